namespace Estimo.Core.Poker;

/// <summary>
/// What one participant may see of a session at one moment: immutable and safe to serialize
/// to that participant. Built only by <see cref="PokerSession.ForViewer"/>.
/// </summary>
/// <remarks>
/// The hiding rule lives in one place (<see cref="Project"/>): for a round that is not revealed
/// a vote appears as "this account has voted" with no label, except the viewer's own vote. No
/// statistics are computed for unrevealed rounds, because even a count per card would leak.
/// </remarks>
public sealed record SessionView
{
    /// <summary>The session id.</summary>
    public required string SessionId { get; init; }

    /// <summary>The version this snapshot reflects; send it back as the expected version.</summary>
    public required long Version { get; init; }

    /// <summary>Active or ended.</summary>
    public required SessionStatus Status { get; init; }

    /// <summary>Live or async.</summary>
    public required PokerMode Mode { get; init; }

    /// <summary>The deck's id.</summary>
    public required string DeckId { get; init; }

    /// <summary>The deck's name.</summary>
    public required string DeckName { get; init; }

    /// <summary>The cards to show, in order.</summary>
    public required IReadOnlyList<Card> Cards { get; init; }

    /// <summary>See <see cref="Deck.ValuesAreMapping"/>.</summary>
    public required bool DeckValuesAreMapping { get; init; }

    /// <summary>The facilitator.</summary>
    public required string FacilitatorAccountId { get; init; }

    /// <summary>The delegates, sorted.</summary>
    public required IReadOnlyList<string> DelegateAccountIds { get; init; }

    /// <summary>Who this view is for.</summary>
    public required string ViewerAccountId { get; init; }

    /// <summary>The viewer's role, or <see langword="null"/> if they have not joined.</summary>
    public ParticipantRole? ViewerRole { get; init; }

    /// <summary>Whether the viewer may reveal, navigate, revote, time and accept (so the UI shows those controls).</summary>
    public required bool ViewerCanFacilitate { get; init; }

    /// <summary>The position of the issue in focus.</summary>
    public required int CurrentIndex { get; init; }

    /// <summary>When the timer ends, if one runs.</summary>
    public DateTimeOffset? TimerEndsAt { get; init; }

    /// <summary>The async deadline, if any.</summary>
    public DateTimeOffset? AsyncDeadline { get; init; }

    /// <summary>Whether votes can no longer be cast in async mode.</summary>
    public required bool VotingClosed { get; init; }

    /// <summary>Participants ordered by account id.</summary>
    public required IReadOnlyList<ParticipantView> Participants { get; init; }

    /// <summary>Issues in session order.</summary>
    public required IReadOnlyList<IssueView> Issues { get; init; }

    internal static SessionView Project(PokerSession session, string accountId, DateTimeOffset now)
    {
        var viewer = session.FindParticipant(accountId);
        return new SessionView
        {
            SessionId = session.Id,
            Version = session.Version,
            Status = session.Status,
            Mode = session.Mode,
            DeckId = session.Deck.Id,
            DeckName = session.Deck.Name,
            Cards = session.Deck.Cards,
            DeckValuesAreMapping = session.Deck.ValuesAreMapping,
            FacilitatorAccountId = session.FacilitatorAccountId,
            DelegateAccountIds = [.. session.DelegateAccountIds.Order(StringComparer.Ordinal)],
            ViewerAccountId = accountId,
            ViewerRole = viewer?.Role,
            ViewerCanFacilitate = session.CanFacilitate(accountId),
            CurrentIndex = session.CurrentIndex,
            TimerEndsAt = session.TimerEndsAt,
            AsyncDeadline = session.AsyncDeadline,
            VotingClosed = session.IsVotingClosed(now),
            Participants =
            [
                .. session.Participants
                    .OrderBy(p => p.AccountId, StringComparer.Ordinal)
                    .Select(p => new ParticipantView(
                        p.AccountId,
                        p.Role,
                        p.IsPresent(now, session.Settings.PresenceWindow),
                        session.CanFacilitate(p.AccountId))),
            ],
            Issues = [.. session.Issues.Select(i => ProjectIssue(session.Deck, i, accountId))],
        };
    }

    private static IssueView ProjectIssue(Deck deck, IssueEstimation issue, string viewerAccountId) =>
        new(
            issue.Issue.IssueId,
            issue.Issue.IssueKey,
            issue.IsSkipped,
            issue.Accepted,
            [.. issue.Rounds.Select(r => ProjectRound(deck, r, viewerAccountId))]);

    private static RoundView ProjectRound(Deck deck, PokerRound round, string viewerAccountId)
    {
        var ordered = round.Votes.OrderBy(v => v.Key, StringComparer.Ordinal);
        if (!round.IsRevealed)
        {
            // The only place a hidden label may be copied out is the viewer's own vote.
            return new RoundView(
                round.Number,
                IsRevealed: false,
                [.. ordered.Select(v => new VoteView(
                    v.Key,
                    string.Equals(v.Key, viewerAccountId, StringComparison.Ordinal) ? v.Value : null,
                    IsOutlier: false))],
                Statistics: null);
        }

        var statistics = VoteStatistics.Compute(deck, round.Votes.Values);
        var outliers = statistics.OutlierLabels.ToHashSet(StringComparer.Ordinal);
        return new RoundView(
            round.Number,
            IsRevealed: true,
            [.. ordered.Select(v => new VoteView(v.Key, v.Value, outliers.Contains(v.Value)))],
            statistics);
    }
}

/// <summary>A participant as others see them.</summary>
/// <param name="AccountId">The account id (the UI resolves names in the browser).</param>
/// <param name="Role">Voter or observer.</param>
/// <param name="IsPresent">Seen within the presence window.</param>
/// <param name="CanFacilitate">The facilitator or a delegate.</param>
public sealed record ParticipantView(string AccountId, ParticipantRole Role, bool IsPresent, bool CanFacilitate);

/// <summary>An issue as a participant sees it (id and key only; the browser loads the rest from Jira).</summary>
/// <param name="IssueId">The Jira issue id.</param>
/// <param name="IssueKey">The Jira issue key when the session was created.</param>
/// <param name="IsSkipped">Moved past without an estimate.</param>
/// <param name="Accepted">The accepted estimate, if any.</param>
/// <param name="Rounds">Every round, oldest first.</param>
public sealed record IssueView(string IssueId, string IssueKey, bool IsSkipped, AcceptedEstimate? Accepted, IReadOnlyList<RoundView> Rounds);

/// <summary>A round as a participant sees it.</summary>
/// <param name="Number">1, 2, 3…</param>
/// <param name="IsRevealed">Whether labels and statistics are shown.</param>
/// <param name="Votes">One entry per vote cast, ordered by account id.</param>
/// <param name="Statistics">Present only once revealed.</param>
public sealed record RoundView(int Number, bool IsRevealed, IReadOnlyList<VoteView> Votes, VoteStatistics? Statistics);

/// <summary>One vote as a participant sees it.</summary>
/// <param name="AccountId">Who voted.</param>
/// <param name="Label">The card; <see langword="null"/> before reveal unless it is the viewer's own vote.</param>
/// <param name="IsOutlier">Whether the vote is an outlier (revealed rounds only).</param>
public sealed record VoteView(string AccountId, string? Label, bool IsOutlier);
