using Estimo.Core.Poker;

namespace Estimo.Core.Tests.Poker;

/// <summary>Test data for poker tests: fixed accounts, a fixed clock, ready-made sessions.</summary>
internal static class Some
{
    public const string Facilitator = "557058:facilitator";
    public const string Deputy = "557058:delegate";
    public const string Alice = "557058:alice";
    public const string Bob = "557058:bob";
    public const string Watcher = "557058:observer";
    public const string Stranger = "557058:stranger";

    public static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    public static PokerIssue[] Issues(int count) =>
        [.. Enumerable.Range(1, count).Select(i => new PokerIssue((10000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), $"EST-{i}"))];

    public static NewPokerSession Spec(
        PokerMode mode = PokerMode.Live,
        bool autoReveal = false,
        Deck? deck = null,
        int issues = 3,
        DateTimeOffset? deadline = null,
        TimeSpan? defaultTimer = null) => new()
        {
            SessionId = "session-1",
            InstallationId = "ari:cloud:ecosystem::installation/1",
            FacilitatorAccountId = Facilitator,
            DelegateAccountIds = [Deputy],
            Deck = deck ?? BuiltInDecks.Fibonacci,
            Issues = Issues(issues),
            Mode = mode,
            AsyncDeadline = mode == PokerMode.Async ? deadline ?? Now.AddDays(1) : deadline,
            Settings = new PokerSettings { AutoReveal = autoReveal, DefaultTimerDuration = defaultTimer },
        };

    /// <summary>A session where the facilitator, Alice and Bob are voters and Watcher observes.</summary>
    public static PokerSession Room(
        PokerMode mode = PokerMode.Live,
        bool autoReveal = false,
        Deck? deck = null,
        int issues = 3,
        DateTimeOffset? deadline = null,
        TimeSpan? defaultTimer = null)
    {
        var result = PokerSession.Create(Spec(mode, autoReveal, deck, issues, deadline, defaultTimer), Now);
        Assert.True(result.IsSuccess, result.Error?.Message);
        var session = result.Value!;
        Ok(session.Join(Alice, ParticipantRole.Voter, Now));
        Ok(session.Join(Bob, ParticipantRole.Voter, Now));
        Ok(session.Join(Watcher, ParticipantRole.Observer, Now));
        return session;
    }

    /// <summary>The current issue's id.</summary>
    public static string Current(PokerSession session) => session.CurrentIssue.Issue.IssueId;

    public static PokerResult Ok(PokerResult result)
    {
        Assert.True(result.IsSuccess, result.Error?.Message);
        return result;
    }
}
