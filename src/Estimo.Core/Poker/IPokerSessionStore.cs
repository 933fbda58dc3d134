namespace Estimo.Core.Poker;

/// <summary>How the facilitator chose the session's issues. The JQL text itself is not kept: it is Jira content.</summary>
public enum SessionSourceKind
{
    Backlog,
    Sprint,
    Jql,
    Issue,
}

/// <summary>
/// Where a session lives in Jira and where its estimates go. Ids only: project key, board id,
/// field id, sprint id.
/// </summary>
public sealed record SessionScope(string ProjectKey, long? BoardId, string EstimationFieldId, SessionSourceKind SourceKind, long? SprintId);

/// <summary>
/// A session as stored: the aggregate, its Jira scope, and per participant the session issues
/// Jira does not let them browse (checked as that user when they joined), which their views omit.
/// </summary>
public sealed class StoredPokerSession
{
    public StoredPokerSession(SessionScope scope, PokerSession session, IDictionary<string, IReadOnlyCollection<string>>? hiddenIssues = null)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(session);
        Scope = scope;
        Session = session;
        HiddenIssues = hiddenIssues is null
            ? new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.Ordinal)
            : new Dictionary<string, IReadOnlyCollection<string>>(hiddenIssues, StringComparer.Ordinal);
    }

    public SessionScope Scope { get; }

    public PokerSession Session { get; }

    public string InstallationId => Session.InstallationId;

    public string SessionId => Session.Id;

    /// <summary>Account id → issue ids hidden from that account. Updated when someone (re)joins.</summary>
    public IDictionary<string, IReadOnlyCollection<string>> HiddenIssues { get; }
}

/// <summary>A row of the session list (no votes, no state).</summary>
public sealed record PokerSessionSummary(
    string SessionId,
    SessionScope Scope,
    string FacilitatorAccountId,
    PokerMode Mode,
    SessionStatus Status,
    DateTimeOffset CreatedAt,
    int IssueCount,
    int ParticipantCount);

/// <summary>
/// Persistence for poker sessions. Every method is scoped by installation id: a session id of
/// another installation is simply not found.
/// </summary>
public interface IPokerSessionStore
{
    /// <summary>Stores a new session.</summary>
    Task AddAsync(StoredPokerSession session, CancellationToken cancellationToken);

    /// <summary>Loads one session of one installation, or null.</summary>
    Task<StoredPokerSession?> FindAsync(string installationId, string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// Saves the session if the stored version is still <paramref name="expectedVersion"/>;
    /// false when another writer got there first (the caller reloads and retries).
    /// </summary>
    Task<bool> TrySaveAsync(StoredPokerSession session, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>The installation's sessions, newest first.</summary>
    Task<IReadOnlyList<PokerSessionSummary>> ListAsync(string installationId, string? projectKey, SessionStatus? status, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes sessions that ended before <paramref name="endedBefore"/>, and sessions nobody has
    /// touched since <paramref name="untouchedSince"/>. Returns how many were deleted.
    /// </summary>
    Task<int> DeleteExpiredAsync(DateTimeOffset endedBefore, DateTimeOffset untouchedSince, CancellationToken cancellationToken);
}
