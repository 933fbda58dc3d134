using System.Globalization;

namespace Estimo.Core.Poker;

/// <summary>
/// Everything a <see cref="PokerSession"/> holds, as plain data, so a store can persist it
/// (for example as one JSON document) and load it back with <see cref="PokerSession.Restore"/>.
/// </summary>
/// <remarks>
/// A snapshot contains hidden votes: it is server-side state and must never be sent to a
/// browser (send <see cref="PokerSession.ForViewer"/> instead). The deck is embedded rather
/// than referenced so that editing a custom deck later cannot reinterpret old votes.
/// </remarks>
public sealed record PokerSessionSnapshot
{
    /// <summary>The snapshot shape this code writes.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>Lets a store migrate old documents.</summary>
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>See <see cref="PokerSession.Id"/>.</summary>
    public required string Id { get; init; }

    /// <summary>See <see cref="PokerSession.InstallationId"/>.</summary>
    public required string InstallationId { get; init; }

    /// <summary>See <see cref="PokerSession.FacilitatorAccountId"/>.</summary>
    public required string FacilitatorAccountId { get; init; }

    /// <summary>See <see cref="PokerSession.DelegateAccountIds"/>.</summary>
    public required IReadOnlyList<string> DelegateAccountIds { get; init; }

    /// <summary>The deck's id.</summary>
    public required string DeckId { get; init; }

    /// <summary>The deck's name.</summary>
    public required string DeckName { get; init; }

    /// <summary>The deck's cards.</summary>
    public required IReadOnlyList<Card> DeckCards { get; init; }

    /// <summary>See <see cref="Deck.ValuesAreMapping"/>.</summary>
    public required bool DeckValuesAreMapping { get; init; }

    /// <summary>See <see cref="PokerSession.Mode"/>.</summary>
    public required PokerMode Mode { get; init; }

    /// <summary>See <see cref="PokerSession.Settings"/>.</summary>
    public required PokerSettings Settings { get; init; }

    /// <summary>See <see cref="PokerSession.AsyncDeadline"/>.</summary>
    public DateTimeOffset? AsyncDeadline { get; init; }

    /// <summary>See <see cref="PokerSession.VotingClosedAt"/>.</summary>
    public DateTimeOffset? VotingClosedAt { get; init; }

    /// <summary>See <see cref="PokerSession.CreatedAt"/>.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>See <see cref="PokerSession.EndedAt"/>.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>See <see cref="PokerSession.Status"/>.</summary>
    public required SessionStatus Status { get; init; }

    /// <summary>See <see cref="PokerSession.CurrentIndex"/>.</summary>
    public required int CurrentIndex { get; init; }

    /// <summary>See <see cref="PokerSession.TimerEndsAt"/>.</summary>
    public DateTimeOffset? TimerEndsAt { get; init; }

    /// <summary>See <see cref="PokerSession.Version"/>; stores use it for optimistic concurrency too.</summary>
    public required long Version { get; init; }

    /// <summary>Participants ordered by account id.</summary>
    public required IReadOnlyList<ParticipantSnapshot> Participants { get; init; }

    /// <summary>Issues in session order.</summary>
    public required IReadOnlyList<IssueSnapshot> Issues { get; init; }
}

/// <summary>A participant as stored.</summary>
/// <param name="AccountId">The account id.</param>
/// <param name="Role">Voter or observer.</param>
/// <param name="JoinedAt">When they joined.</param>
/// <param name="LastSeen">When they were last heard from.</param>
public sealed record ParticipantSnapshot(string AccountId, ParticipantRole Role, DateTimeOffset JoinedAt, DateTimeOffset LastSeen);

/// <summary>An issue as stored.</summary>
/// <param name="IssueId">The Jira issue id.</param>
/// <param name="IssueKey">The Jira issue key.</param>
/// <param name="IsSkipped">Skipped without estimate.</param>
/// <param name="Accepted">The accepted estimate, if any.</param>
/// <param name="Rounds">Rounds in order, numbered from 1.</param>
public sealed record IssueSnapshot(string IssueId, string IssueKey, bool IsSkipped, AcceptedEstimate? Accepted, IReadOnlyList<RoundSnapshot> Rounds);

/// <summary>A round as stored.</summary>
/// <param name="Number">1, 2, 3…</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="RevealedAt">When it was revealed, or null.</param>
/// <param name="Votes">Votes ordered by account id.</param>
public sealed record RoundSnapshot(int Number, DateTimeOffset StartedAt, DateTimeOffset? RevealedAt, IReadOnlyList<VoteSnapshot> Votes);

/// <summary>A vote as stored.</summary>
/// <param name="AccountId">Who voted.</param>
/// <param name="Label">The card.</param>
public sealed record VoteSnapshot(string AccountId, string Label);

public sealed partial class PokerSession
{
    /// <summary>Copies the whole state into a <see cref="PokerSessionSnapshot"/> for a store.</summary>
    public PokerSessionSnapshot ToSnapshot() => new()
    {
        Id = Id,
        InstallationId = InstallationId,
        FacilitatorAccountId = FacilitatorAccountId,
        DelegateAccountIds = [.. _delegates.Order(StringComparer.Ordinal)],
        DeckId = Deck.Id,
        DeckName = Deck.Name,
        DeckCards = Deck.Cards,
        DeckValuesAreMapping = Deck.ValuesAreMapping,
        Mode = Mode,
        Settings = Settings,
        AsyncDeadline = AsyncDeadline,
        VotingClosedAt = VotingClosedAt,
        CreatedAt = CreatedAt,
        EndedAt = EndedAt,
        Status = Status,
        CurrentIndex = CurrentIndex,
        TimerEndsAt = TimerEndsAt,
        Version = Version,
        Participants =
        [
            .. _participants.Values
                .OrderBy(p => p.AccountId, StringComparer.Ordinal)
                .Select(p => new ParticipantSnapshot(p.AccountId, p.Role, p.JoinedAt, p.LastSeen)),
        ],
        Issues =
        [
            .. _issues.Select(i => new IssueSnapshot(
                i.Issue.IssueId,
                i.Issue.IssueKey,
                i.IsSkipped,
                i.Accepted,
                [
                    .. i.Rounds.Select(r => new RoundSnapshot(
                        r.Number,
                        r.StartedAt,
                        r.RevealedAt,
                        [.. r.Votes.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => new VoteSnapshot(v.Key, v.Value))])),
                ])),
        ],
    };

    /// <summary>
    /// Rebuilds a session from a stored snapshot, checking the invariants the operations rely
    /// on (valid deck, votes on its cards, rounds numbered 1..n with only the last one open,
    /// current index in range). A snapshot that breaks them is refused with
    /// <see cref="PokerErrorKind.Validation"/> instead of producing a session that misbehaves later.
    /// </summary>
    public static PokerResult<PokerSession> Restore(PokerSessionSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.SchemaVersion != PokerSessionSnapshot.CurrentSchemaVersion)
        {
            return Invalid(string.Create(CultureInfo.InvariantCulture, $"Unknown snapshot schema version {snapshot.SchemaVersion}."));
        }

        var deckResult = Deck.Create(snapshot.DeckId, snapshot.DeckName, snapshot.DeckCards ?? [], snapshot.DeckValuesAreMapping);
        if (deckResult.Deck is not { } deck)
        {
            return Invalid("The stored deck is invalid: " + string.Join(" ", deckResult.Error!.Problems.Select(p => p.Message)));
        }

        var issues = snapshot.Issues ?? [];
        var spec = new NewPokerSession
        {
            SessionId = snapshot.Id,
            InstallationId = snapshot.InstallationId,
            FacilitatorAccountId = snapshot.FacilitatorAccountId,
            DelegateAccountIds = snapshot.DelegateAccountIds ?? [],
            Deck = deck,
            Issues = [.. issues.Select(i => i is null ? null! : new PokerIssue(i.IssueId, i.IssueKey))],
            Mode = snapshot.Mode,
            AsyncDeadline = snapshot.AsyncDeadline,
            Settings = snapshot.Settings ?? new PokerSettings(),
        };
        var problems = ValidateSpec(spec, snapshot.CreatedAt, isRestore: true);
        problems.AddRange(ValidateState(snapshot, deck));
        if (problems.Count > 0)
        {
            return Invalid(string.Join(" ", problems));
        }

        var session = new PokerSession(spec, snapshot.CreatedAt);
        session._participants.Clear();
        foreach (var p in snapshot.Participants)
        {
            session._participants[p.AccountId] = new Participant(p.AccountId, p.Role, p.JoinedAt) { LastSeen = p.LastSeen };
        }

        for (var i = 0; i < issues.Count; i++)
        {
            var stored = issues[i];
            var issue = session._issues[i];
            issue.IsSkipped = stored.IsSkipped;
            issue.Accepted = stored.Accepted;
            issue.ReplaceRounds(stored.Rounds.Select(r =>
            {
                var round = new PokerRound(r.Number, r.StartedAt);
                foreach (var vote in r.Votes)
                {
                    round.SetVote(vote.AccountId, vote.Label);
                }

                if (r.RevealedAt is { } revealedAt)
                {
                    round.Reveal(revealedAt);
                }

                return round;
            }));
        }

        session.VotingClosedAt = snapshot.VotingClosedAt;
        session.EndedAt = snapshot.EndedAt;
        session.Status = snapshot.Status;
        session.CurrentIndex = snapshot.CurrentIndex;
        session.TimerEndsAt = snapshot.TimerEndsAt;
        session.Version = snapshot.Version;
        return new PokerResult<PokerSession>(session, null);
    }

    private static List<string> ValidateState(PokerSessionSnapshot snapshot, Deck deck)
    {
        var problems = new List<string>();
        var issues = snapshot.Issues ?? [];
        if (snapshot.Version < 1)
        {
            problems.Add("The version must be at least 1.");
        }

        if (!Enum.IsDefined(snapshot.Status) || !Enum.IsDefined(snapshot.Mode))
        {
            problems.Add("The status or mode is unknown.");
        }

        if ((snapshot.Status == SessionStatus.Ended) != (snapshot.EndedAt is not null))
        {
            problems.Add("An ended session, and only one, has an end time.");
        }

        if (snapshot.CurrentIndex < 0 || snapshot.CurrentIndex >= Math.Max(issues.Count, 1))
        {
            problems.Add("The current issue index is out of range.");
        }

        var participants = snapshot.Participants ?? [];
        if (participants.Count > MaxParticipants
            || participants.Any(p => p is null || !IsValidId(p.AccountId) || !Enum.IsDefined(p.Role))
            || participants.Select(p => p?.AccountId).Distinct(StringComparer.Ordinal).Count() != participants.Count)
        {
            problems.Add("The participants are malformed or repeated.");
        }

        foreach (var issue in issues.Where(i => i is not null))
        {
            var rounds = issue.Rounds ?? [];
            if (rounds.Count is 0 or > MaxRoundsPerIssue
                || rounds.Any(r => r is null)
                || rounds.Select((r, n) => r.Number != n + 1).Any(wrong => wrong)
                || rounds.Take(rounds.Count - 1).Any(r => r.RevealedAt is null))
            {
                problems.Add($"Issue {issue.IssueKey}: rounds must be numbered from 1 and all but the last revealed.");
                continue;
            }

            var votes = rounds.SelectMany(r => r.Votes ?? [null!]).ToList();
            if (votes.Any(v => v is null || !IsValidId(v.AccountId) || !deck.Contains(v.Label))
                || rounds.Any(r => r.Votes.Select(v => v.AccountId).Distinct(StringComparer.Ordinal).Count() != r.Votes.Count))
            {
                problems.Add($"Issue {issue.IssueKey}: a vote is malformed, repeated or not on the deck.");
            }
        }

        return problems;
    }

    private static PokerResult<PokerSession> Invalid(string message) =>
        new(null, new PokerError(PokerErrorKind.Validation, "The stored session is invalid. " + message));
}
