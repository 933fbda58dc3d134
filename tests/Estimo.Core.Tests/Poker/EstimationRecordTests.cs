using System.Globalization;
using System.Text.Json.Nodes;
using Estimo.Core.Poker;
using static Estimo.Core.Tests.Poker.Some;

namespace Estimo.Core.Tests.Poker;

public class EstimationRecordTests
{
    [Fact]
    public void From_AcceptedIssue_SummarizesTheDecidingRound()
    {
        var session = Room();
        Ok(session.CastVote(Alice, Current(session), "3", Now));
        Ok(session.CastVote(Bob, Current(session), "13", Now));
        Ok(session.Reveal(Facilitator, Now));
        Ok(session.Revote(Facilitator, Now));
        Ok(session.CastVote(Alice, Current(session), "5", Now));
        Ok(session.CastVote(Facilitator, Current(session), "5", Now));
        Ok(session.Reveal(Facilitator, Now));
        Ok(session.AcceptEstimate(Deputy, Current(session), "5", Now.AddMinutes(3)));

        var record = EstimationRecord.From(session, "10001").Value!;

        Assert.Equal(EstimationRecord.CurrentSchemaVersion, record.SchemaVersion);
        Assert.Equal("session-1", record.SessionId);
        Assert.Equal("fibonacci", record.DeckId);
        Assert.Equal("5", record.FinalLabel);
        Assert.Equal(5m, record.FinalValue);
        Assert.Equal([new CardCount("5", 2)], record.Distribution);
        Assert.Equal(2, record.RoundCount);
        Assert.Equal([Alice, Bob, Facilitator], record.ParticipantAccountIds);
        Assert.Equal(3, record.ParticipantCount);
        Assert.Equal(Deputy, record.AcceptedBy);
        Assert.Equal(Now.AddMinutes(3), record.EstimatedAt);
    }

    [Fact]
    public void From_AcceptedBeforeReveal_NeverPublishesHiddenVotes()
    {
        var session = Room();
        Ok(session.CastVote(Bob, Current(session), "13", Now));
        Ok(session.AcceptEstimate(Facilitator, Current(session), "8", Now));

        var record = EstimationRecord.From(session, "10001").Value!;

        Assert.Empty(record.Distribution);
        Assert.Empty(record.ParticipantAccountIds);
        Assert.DoesNotContain("13", record.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void From_NotAccepted_IsInvalidState() =>
        Assert.Equal(PokerErrorKind.InvalidState, EstimationRecord.From(Room(), "10001").Error!.Kind);

    [Fact]
    public void From_UnknownIssue_IsNotFound() =>
        Assert.Equal(PokerErrorKind.NotFound, EstimationRecord.From(Room(), "nope").Error!.Kind);

    [Fact]
    public void ToJson_IsCamelCaseAndOmitsNulls()
    {
        var session = Room();
        Ok(session.AcceptValue(Facilitator, "10001", 4m, Now));

        var json = EstimationRecord.From(session, "10001").Value!.ToJson();
        var node = JsonNode.Parse(json)!.AsObject();

        Assert.Equal(
            ["schemaVersion", "sessionId", "deckId", "finalValue", "distribution", "roundCount", "participantAccountIds", "participantCount", "acceptedBy", "estimatedAt"],
            node.Select(p => p.Key));
        Assert.Equal(4m, node["finalValue"]!.GetValue<decimal>());
        Assert.Equal("2026-11-28T12:00:00+00:00", node["estimatedAt"]!.GetValue<string>());
    }

    [Fact]
    public void FromJson_RoundTrips()
    {
        var session = Room();
        Ok(session.CastVote(Alice, Current(session), "8", Now));
        Ok(session.Reveal(Facilitator, Now));
        Ok(session.AcceptEstimate(Facilitator, "10001", "8", Now));
        var record = EstimationRecord.From(session, "10001").Value!;

        var copy = EstimationRecord.FromJson(record.ToJson())!;

        Assert.Equal(record.ToJson(), copy.ToJson());
        Assert.Equal([new CardCount("8", 1)], copy.Distribution);
    }

    [Fact]
    public void ToJson_WorstCase_StaysUnderJiraPropertyLimit()
    {
        // 30 cards with 8-character labels, 200 voters with 128-character ids, all on different cards.
        var deck = Deck.Create("wide", "Wide", Enumerable.Range(0, 30).Select(i => new Card(i.ToString("D8", CultureInfo.InvariantCulture), i))).Deck!;
        var session = PokerSession.Create(
            Spec(deck: deck) with { FacilitatorAccountId = LongId(0), DelegateAccountIds = [] }, Now).Value!;
        for (var i = 1; i < PokerSession.MaxParticipants; i++)
        {
            Ok(session.Join(LongId(i), ParticipantRole.Voter, Now));
        }

        for (var i = 0; i < PokerSession.MaxParticipants; i++)
        {
            Ok(session.CastVote(LongId(i), Current(session), deck.Cards[i % 30].Label, Now));
        }

        Ok(session.Reveal(LongId(0), Now));
        Ok(session.AcceptEstimate(LongId(0), Current(session), deck.Cards[29].Label, Now));

        var record = EstimationRecord.From(session, "10001").Value!;

        Assert.Equal(EstimationRecord.MaxListedParticipants, record.ParticipantAccountIds.Count);
        Assert.Equal(PokerSession.MaxParticipants, record.ParticipantCount);
        Assert.Equal(30, record.Distribution.Count);
        Assert.True(record.JsonByteCount() < EstimationRecord.MaxJsonBytes, $"{record.JsonByteCount()} bytes");
    }

    private static string LongId(int i) => i.ToString("D4", CultureInfo.InvariantCulture) + new string('x', PokerSession.MaxIdLength - 4);
}
