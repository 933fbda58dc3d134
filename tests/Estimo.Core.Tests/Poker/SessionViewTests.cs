using System.Text.Json;
using System.Text.Json.Nodes;
using Estimo.Core.Poker;
using static Estimo.Core.Tests.Poker.Some;

namespace Estimo.Core.Tests.Poker;

public class SessionViewTests
{
    // Labels that occur nowhere else in a view, so a substring search is a proof.
    private static readonly Deck Fruit = Deck.Create("fruit", "Fruit", [new("APPLE", 1), new("CHERRY", 2), new("KIWI", 3), new("?", null)]).Deck!;

    [Fact]
    public void ForViewer_BeforeReveal_ShowsWhoVotedAndOwnVoteOnly()
    {
        var session = Room(deck: Fruit);
        Ok(session.CastVote(Alice, Current(session), "CHERRY", Now));
        Ok(session.CastVote(Bob, Current(session), "KIWI", Now));

        var round = session.ForViewer(Alice, Now).Issues[0].Rounds[0];

        Assert.False(round.IsRevealed);
        Assert.Null(round.Statistics);
        Assert.Equal([new VoteView(Alice, "CHERRY", false), new VoteView(Bob, null, false)], round.Votes);
    }

    [Theory]
    [InlineData(Alice)]
    [InlineData(Facilitator)]
    [InlineData(Deputy)]
    [InlineData(Watcher)]
    [InlineData(Stranger)]
    public void ForViewer_BeforeReveal_NeverContainsAnotherVotersLabel(string viewer)
    {
        var session = Room(deck: Fruit);
        Ok(session.CastVote(Bob, Current(session), "KIWI", Now));
        Ok(session.CastVote(Facilitator, Current(session), "APPLE", Now));

        var json = VotesJson(session.ForViewer(viewer, Now));

        Assert.DoesNotContain("KIWI", json, StringComparison.Ordinal);
        Assert.Equal(viewer == Facilitator, json.Contains("APPLE", StringComparison.Ordinal));
        Assert.Contains(Bob, json, StringComparison.Ordinal); // that Bob voted is public
    }

    [Fact]
    public void ForViewer_AsyncUnrevealedIssues_NeverLeakAcrossIssues()
    {
        var session = Room(PokerMode.Async, deck: Fruit);
        Ok(session.CastVote(Bob, "10002", "KIWI", Now));
        Ok(session.CastVote(Bob, "10003", "CHERRY", Now));

        var json = VotesJson(session.ForViewer(Alice, Now));

        Assert.DoesNotContain("KIWI", json, StringComparison.Ordinal);
        Assert.DoesNotContain("CHERRY", json, StringComparison.Ordinal);
    }

    [Fact]
    public void ForViewer_BeforeRevealAfterARevote_ShowsOnlyTheRevealedHistory()
    {
        var session = Room(deck: Fruit);
        Ok(session.CastVote(Bob, Current(session), "APPLE", Now));
        Ok(session.Reveal(Facilitator, Now));
        Ok(session.Revote(Facilitator, Now));
        Ok(session.CastVote(Bob, Current(session), "KIWI", Now));

        var view = session.ForViewer(Alice, Now);
        var json = VotesJson(view);

        Assert.Contains("APPLE", json, StringComparison.Ordinal); // round 1 was revealed to everyone
        Assert.DoesNotContain("KIWI", json, StringComparison.Ordinal);
        Assert.Equal(2, view.Issues[0].Rounds.Count);
    }

    [Fact]
    public void ForViewer_AfterReveal_ShowsEveryVoteWithStatisticsAndOutliers()
    {
        var session = Room();
        Ok(session.Join(Stranger, ParticipantRole.Voter, Now));
        Ok(session.CastVote(Facilitator, Current(session), "5", Now));
        Ok(session.CastVote(Alice, Current(session), "5", Now));
        Ok(session.CastVote(Bob, Current(session), "5", Now));
        Ok(session.CastVote(Stranger, Current(session), "89", Now));
        Ok(session.Reveal(Facilitator, Now));

        var round = session.ForViewer(Watcher, Now).Issues[0].Rounds[0];

        Assert.True(round.IsRevealed);
        Assert.Equal(4, round.Votes.Count);
        Assert.All(round.Votes, v => Assert.NotNull(v.Label));
        Assert.True(round.Votes.Single(v => v.AccountId == Stranger).IsOutlier);
        Assert.False(round.Votes.Single(v => v.AccountId == Alice).IsOutlier);
        Assert.Equal("5", round.Statistics!.Suggested!.Label);
        Assert.Contains("89", VotesJson(session.ForViewer(Watcher, Now)), StringComparison.Ordinal);
    }

    [Fact]
    public void ForViewer_DescribesViewerAndRoom()
    {
        var session = Room();
        Ok(session.StartTimer(Facilitator, TimeSpan.FromMinutes(1), Now));

        var asDeputy = session.ForViewer(Deputy, Now);
        var asAlice = session.ForViewer(Alice, Now.AddMinutes(5));

        Assert.True(asDeputy.ViewerCanFacilitate);
        Assert.Null(asDeputy.ViewerRole);
        Assert.False(asAlice.ViewerCanFacilitate);
        Assert.Equal(ParticipantRole.Voter, asAlice.ViewerRole);
        Assert.Equal(session.Version, asAlice.Version);
        Assert.Equal(Now.AddMinutes(1), asAlice.TimerEndsAt);
        Assert.Equal("fibonacci", asAlice.DeckId);
        Assert.Equal(13, asAlice.Cards.Count);
        Assert.Equal([Alice, Bob, Facilitator, Watcher], asAlice.Participants.Select(p => p.AccountId).Order(StringComparer.Ordinal));
        Assert.All(asAlice.Participants, p => Assert.False(p.IsPresent)); // 5 minutes later nobody was seen
        Assert.All(session.ForViewer(Alice, Now).Participants, p => Assert.True(p.IsPresent));
        Assert.Equal(["10001", "10002", "10003"], asAlice.Issues.Select(i => i.IssueId));
        Assert.Equal("EST-1", asAlice.Issues[0].IssueKey);
    }

    [Fact]
    public void ForViewer_IsASnapshotThatLaterChangesDoNotAlter()
    {
        var session = Room();
        var view = session.ForViewer(Alice, Now);

        Ok(session.CastVote(Alice, Current(session), "5", Now));
        Ok(session.NextIssue(Facilitator, Now));

        Assert.Empty(view.Issues[0].Rounds[0].Votes);
        Assert.Equal(0, view.CurrentIndex);
    }

    private static string VotesJson(SessionView view)
    {
        // The card list legitimately names every label; everything else must not.
        var node = JsonSerializer.SerializeToNode(view, JsonSerializerOptions.Web)!.AsObject();
        Assert.True(node.Remove("cards"));
        return node.ToJsonString();
    }
}
