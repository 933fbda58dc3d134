using System.Collections.ObjectModel;

namespace Estimo.Core.Poker;

/// <summary>How a session runs.</summary>
public enum PokerMode
{
    /// <summary>Everyone is in the room; the facilitator walks the issues one at a time.</summary>
    Live,

    /// <summary>People vote on any issue in their own time until a deadline; the facilitator reviews afterwards.</summary>
    Async,
}

/// <summary>Where a session stands.</summary>
public enum SessionStatus
{
    /// <summary>Accepting joins, votes and facilitator actions.</summary>
    Active,

    /// <summary>Read-only forever: every operation is refused with <see cref="PokerErrorKind.InvalidState"/>.</summary>
    Ended,
}

/// <summary>What a participant does in a session.</summary>
public enum ParticipantRole
{
    /// <summary>Votes, and counts toward "everyone has voted".</summary>
    Voter,

    /// <summary>Watches (a stakeholder, a product owner who does not estimate); never votes.</summary>
    Observer,
}

/// <summary>
/// A Jira issue in a session, by id and key only: Jira content (summary, description, names) is
/// never stored on the server; the browser fetches it from Jira with the user's own permissions.
/// </summary>
/// <param name="IssueId">The immutable numeric Jira issue id (as a string, as Jira returns it).</param>
/// <param name="IssueKey">The key at the time the session was created, e.g. <c>PROJ-42</c>; keys change when issues move, ids do not.</param>
public sealed record PokerIssue(string IssueId, string IssueKey);

/// <summary>Facilitator choices that shape a session.</summary>
public sealed record PokerSettings
{
    /// <summary>The shortest presence window: heartbeats are expected about every 20 seconds.</summary>
    public static readonly TimeSpan MinPresenceWindow = TimeSpan.FromSeconds(30);

    /// <summary>Reveal the current round automatically once every present voter has voted (live mode only).</summary>
    public bool AutoReveal { get; init; } = true;

    /// <summary>The timer length <see cref="PokerSession.StartTimer"/> uses when the facilitator gives none.</summary>
    public TimeSpan? DefaultTimerDuration { get; init; }

    /// <summary>
    /// A participant seen within this window is present. Absent voters do not hold up auto-reveal,
    /// so a person who closed the tab cannot block the room.
    /// </summary>
    public TimeSpan PresenceWindow { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>Everything needed to start a session.</summary>
public sealed record NewPokerSession
{
    /// <summary>The session id (chosen by the caller, e.g. a GUID string), 1..64 characters.</summary>
    public required string SessionId { get; init; }

    /// <summary>The Forge installation the session belongs to; every lookup is scoped by it.</summary>
    public required string InstallationId { get; init; }

    /// <summary>The Atlassian account id of the person who runs the session.</summary>
    public required string FacilitatorAccountId { get; init; }

    /// <summary>Account ids who may also reveal, navigate, revote and accept (not end or change delegates).</summary>
    public IReadOnlyList<string> DelegateAccountIds { get; init; } = [];

    /// <summary>The deck votes are validated against; fixed for the life of the session.</summary>
    public required Deck Deck { get; init; }

    /// <summary>The issues to estimate, in order; 1..<see cref="PokerSession.MaxIssues"/>, unique ids.</summary>
    public required IReadOnlyList<PokerIssue> Issues { get; init; }

    /// <summary>Live or async.</summary>
    public PokerMode Mode { get; init; } = PokerMode.Live;

    /// <summary>When async voting closes and votes are revealed; required for, and only for, <see cref="PokerMode.Async"/>.</summary>
    public DateTimeOffset? AsyncDeadline { get; init; }

    /// <summary>Facilitator choices.</summary>
    public PokerSettings Settings { get; init; } = new();
}

/// <summary>A person in a session.</summary>
public sealed class Participant
{
    internal Participant(string accountId, ParticipantRole role, DateTimeOffset now)
    {
        AccountId = accountId;
        Role = role;
        JoinedAt = now;
        LastSeen = now;
    }

    /// <summary>The Atlassian account id (the only personal data stored).</summary>
    public string AccountId { get; }

    /// <summary>Voter or observer.</summary>
    public ParticipantRole Role { get; internal set; }

    /// <summary>When the participant (last) joined.</summary>
    public DateTimeOffset JoinedAt { get; internal set; }

    /// <summary>When the participant was last heard from (join, heartbeat, vote).</summary>
    public DateTimeOffset LastSeen { get; internal set; }

    /// <summary>Whether the participant was seen within <paramref name="window"/> before <paramref name="now"/>.</summary>
    public bool IsPresent(DateTimeOffset now, TimeSpan window) => now - LastSeen <= window;
}

/// <summary>One round of voting on one issue. A revote starts a new round; old rounds are kept.</summary>
public sealed class PokerRound
{
    private readonly Dictionary<string, string> _votes = new(StringComparer.Ordinal);

    internal PokerRound(int number, DateTimeOffset startedAt)
    {
        Number = number;
        StartedAt = startedAt;

        // A wrapper, not the dictionary itself: a cast must not be a way to change hidden votes.
        Votes = new ReadOnlyDictionary<string, string>(_votes);
    }

    /// <summary>1 for the first round, then 2, 3…</summary>
    public int Number { get; }

    /// <summary>When the round started.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Card label by account id. Server-side only: clients get <see cref="PokerSession.ForViewer"/>.</summary>
    public IReadOnlyDictionary<string, string> Votes { get; }

    /// <summary>Whether votes are visible to everyone.</summary>
    public bool IsRevealed => RevealedAt is not null;

    /// <summary>When the round was revealed.</summary>
    public DateTimeOffset? RevealedAt { get; private set; }

    internal bool SetVote(string accountId, string label)
    {
        if (_votes.TryGetValue(accountId, out var existing) && string.Equals(existing, label, StringComparison.Ordinal))
        {
            return false;
        }

        _votes[accountId] = label;
        return true;
    }

    internal bool RemoveVote(string accountId) => _votes.Remove(accountId);

    internal void Reveal(DateTimeOffset now) => RevealedAt = now;
}

/// <summary>The estimate the facilitator accepted for an issue (the browser then saves it to Jira).</summary>
/// <param name="Label">The deck card accepted, or <see langword="null"/> when a free value was accepted.</param>
/// <param name="Value">The number to save to a numeric field, or <see langword="null"/> for a non-numeric card.</param>
/// <param name="AcceptedBy">The facilitator or delegate who accepted it.</param>
/// <param name="AcceptedAt">When.</param>
/// <param name="RoundNumber">The round that was current when it was accepted.</param>
public sealed record AcceptedEstimate(string? Label, decimal? Value, string AcceptedBy, DateTimeOffset AcceptedAt, int RoundNumber);

/// <summary>The estimation state of one issue in a session.</summary>
public sealed class IssueEstimation
{
    private readonly List<PokerRound> _rounds = [];

    internal IssueEstimation(PokerIssue issue, DateTimeOffset now)
    {
        Issue = issue;
        _rounds.Add(new PokerRound(1, now));
        Rounds = _rounds.AsReadOnly();
    }

    /// <summary>The issue.</summary>
    public PokerIssue Issue { get; }

    /// <summary>Every round, oldest first; never empty.</summary>
    public IReadOnlyList<PokerRound> Rounds { get; }

    /// <summary>The round votes go to.</summary>
    public PokerRound CurrentRound => _rounds[^1];

    /// <summary>Whether the facilitator moved past the issue without an estimate. Accepting an estimate clears it.</summary>
    public bool IsSkipped { get; internal set; }

    /// <summary>The accepted estimate, if any.</summary>
    public AcceptedEstimate? Accepted { get; internal set; }

    internal void StartRound(DateTimeOffset now) => _rounds.Add(new PokerRound(_rounds.Count + 1, now));

    internal void ReplaceRounds(IEnumerable<PokerRound> rounds)
    {
        _rounds.Clear();
        _rounds.AddRange(rounds);
    }
}
