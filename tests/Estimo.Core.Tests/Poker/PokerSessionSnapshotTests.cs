using System.Text.Json;
using Estimo.Core.Poker;
using static Estimo.Core.Tests.Poker.Some;

namespace Estimo.Core.Tests.Poker;

public class PokerSessionSnapshotTests
{
    [Fact]
    public void Restore_FromJsonSnapshot_ReproducesTheSessionExactly()
    {
        var session = BusySession();

        var json = JsonSerializer.Serialize(session.ToSnapshot(), JsonSerializerOptions.Web);
        var restored = PokerSession.Restore(JsonSerializer.Deserialize<PokerSessionSnapshot>(json, JsonSerializerOptions.Web)!);

        Assert.True(restored.IsSuccess, restored.Error?.Message);
        var copy = restored.Value!;
        Assert.Equal(json, JsonSerializer.Serialize(copy.ToSnapshot(), JsonSerializerOptions.Web));
        foreach (var viewer in new[] { Alice, Bob, Watcher, Facilitator })
        {
            Assert.Equal(ViewJson(session, viewer), ViewJson(copy, viewer));
        }
    }

    [Fact]
    public void Restore_ThenOperate_BehavesLikeTheOriginal()
    {
        var session = BusySession();
        var copy = PokerSession.Restore(session.ToSnapshot()).Value!;

        var a = session.CastVote(Bob, Current(session), "8", Now);
        var b = copy.CastVote(Bob, Current(copy), "8", Now);

        Assert.Equal(a, b);
        Assert.Equal(PokerErrorKind.Forbidden, copy.Reveal(Alice, Now).ErrorKind);
        Assert.True(copy.CanFacilitate(Deputy));
    }

    [Fact]
    public void Restore_EndedSession_StaysEnded()
    {
        var session = Room();
        Ok(session.EndSession(Facilitator, Now));

        var copy = PokerSession.Restore(session.ToSnapshot()).Value!;

        Assert.Equal(SessionStatus.Ended, copy.Status);
        Assert.Equal(PokerErrorKind.InvalidState, copy.Join(Stranger, ParticipantRole.Voter, Now).ErrorKind);
    }

    [Fact]
    public void Restore_AsyncPastDeadline_IsAllowedAndTickRevealsIt()
    {
        var session = Room(PokerMode.Async, deadline: Now.AddHours(1));
        Ok(session.CastVote(Alice, "10002", "5", Now));

        var copy = PokerSession.Restore(session.ToSnapshot()).Value!;
        Ok(copy.Tick(Now.AddHours(5)));

        Assert.True(copy.Issues[1].CurrentRound.IsRevealed);
    }

    public static TheoryData<string, Func<PokerSessionSnapshot, PokerSessionSnapshot>> Corruptions => new()
    {
        { "vote not on deck", s => s with { Issues = [.. s.Issues.Select((i, n) => n == 0 ? i with { Rounds = [i.Rounds[0] with { Votes = [new VoteSnapshot(Alice, "4")] }] } : i)] } },
        { "index out of range", s => s with { CurrentIndex = 3 } },
        { "version zero", s => s with { Version = 0 } },
        { "unrevealed old round", s => s with { Issues = [.. s.Issues.Select(i => i with { Rounds = [i.Rounds[0] with { RevealedAt = null }, i.Rounds[0] with { Number = 2, RevealedAt = null }] })] } },
        { "rounds misnumbered", s => s with { Issues = [.. s.Issues.Select(i => i with { Rounds = [i.Rounds[0] with { Number = 2 }] })] } },
        { "broken deck", s => s with { DeckCards = [new Card("5", 5)] } },
        { "duplicate participant", s => s with { Participants = [s.Participants[0], s.Participants[0]] } },
        { "ended without time", s => s with { Status = SessionStatus.Ended } },
        { "future schema", s => s with { SchemaVersion = 99 } },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void Restore_CorruptSnapshot_IsValidation(string name, Func<PokerSessionSnapshot, PokerSessionSnapshot> corrupt)
    {
        var result = PokerSession.Restore(corrupt(Room().ToSnapshot()));

        Assert.True(result.Error?.Kind == PokerErrorKind.Validation, $"{name}: {result.Error?.Kind}");
        Assert.Null(result.Value);
    }

    private static PokerSession BusySession()
    {
        var session = Room(deck: BuiltInDecks.ModifiedFibonacci, defaultTimer: TimeSpan.FromMinutes(2));
        Ok(session.CastVote(Alice, Current(session), "\u00BD", Now));
        Ok(session.CastVote(Bob, Current(session), "13", Now));
        Ok(session.Reveal(Facilitator, Now.AddSeconds(10)));
        Ok(session.Revote(Facilitator, Now.AddSeconds(20)));
        Ok(session.CastVote(Alice, Current(session), "3", Now.AddSeconds(30)));
        Ok(session.StartTimer(Deputy, null, Now.AddSeconds(30)));
        Ok(session.AcceptValue(Facilitator, "10002", 4m, Now.AddSeconds(40)));
        Ok(session.Heartbeat(Bob, Now.AddSeconds(45)));
        return session;
    }

    private static string ViewJson(PokerSession session, string viewer) =>
        JsonSerializer.Serialize(session.ForViewer(viewer, Now.AddSeconds(50)), JsonSerializerOptions.Web);
}
