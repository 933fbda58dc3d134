using Estimo.Core.Poker;
using static Estimo.Core.Tests.Poker.Some;

namespace Estimo.Core.Tests.Poker;

public class PokerSessionTests
{
    // ---- Create -------------------------------------------------------------------------

    [Fact]
    public void Create_ValidSpec_StartsActiveAtVersionOneWithFacilitatorAsVoter()
    {
        var result = PokerSession.Create(Spec(), Now);

        Assert.True(result.IsSuccess);
        var session = result.Value!;
        Assert.Equal(SessionStatus.Active, session.Status);
        Assert.Equal(1, session.Version);
        Assert.Equal(0, session.CurrentIndex);
        Assert.Equal(3, session.Issues.Count);
        Assert.Equal(ParticipantRole.Voter, session.FindParticipant(Facilitator)!.Role);
        Assert.All(session.Issues, i => Assert.Equal(1, i.CurrentRound.Number));
        Assert.Null(session.RevealDueAt);
    }

    [Fact]
    public void Create_NoIssues_IsValidation() =>
        Assert.Equal(PokerErrorKind.Validation, PokerSession.Create(Spec() with { Issues = [] }, Now).Error!.Kind);

    [Fact]
    public void Create_MaxIssues_IsAllowedButOneMoreIsNot()
    {
        Assert.True(PokerSession.Create(Spec(issues: PokerSession.MaxIssues), Now).IsSuccess);
        Assert.Equal(PokerErrorKind.Validation, PokerSession.Create(Spec(issues: PokerSession.MaxIssues + 1), Now).Error!.Kind);
    }

    [Fact]
    public void Create_DuplicateIssue_IsValidation()
    {
        var spec = Spec() with { Issues = [new("1", "A-1"), new("1", "A-1")] };
        Assert.Equal(PokerErrorKind.Validation, PokerSession.Create(spec, Now).Error!.Kind);
    }

    [Fact]
    public void Create_AsyncWithoutFutureDeadline_IsValidation()
    {
        Assert.Equal(PokerErrorKind.Validation, PokerSession.Create(Spec(PokerMode.Async, deadline: Now), Now).Error!.Kind);
        Assert.Equal(PokerErrorKind.Validation, PokerSession.Create(Spec() with { Mode = PokerMode.Async, AsyncDeadline = null }, Now).Error!.Kind);
    }

    [Fact]
    public void Create_LiveWithDeadline_IsValidation() =>
        Assert.Equal(PokerErrorKind.Validation, PokerSession.Create(Spec(deadline: Now.AddHours(1)), Now).Error!.Kind);

    [Fact]
    public void Create_MalformedFacilitator_IsValidation() =>
        Assert.Equal(PokerErrorKind.Validation, PokerSession.Create(Spec() with { FacilitatorAccountId = "has space" }, Now).Error!.Kind);

    [Fact]
    public void Create_FacilitatorListedAsDelegate_IsNotStoredTwice()
    {
        var session = PokerSession.Create(Spec() with { DelegateAccountIds = [Facilitator, Deputy] }, Now).Value!;
        Assert.Equal([Deputy], session.DelegateAccountIds);
    }

    // ---- Join / Leave / Heartbeat -------------------------------------------------------

    [Fact]
    public void Join_NewParticipant_AddsAndBumpsVersion()
    {
        var session = PokerSession.Create(Spec(), Now).Value!;

        var result = session.Join(Alice, ParticipantRole.Voter, Now);

        Assert.True(result.Changed);
        Assert.Equal(2, session.Version);
        Assert.Equal(2, result.Version);
        Assert.NotNull(session.FindParticipant(Alice));
    }

    [Fact]
    public void Join_AgainWithSameRole_DoesNotChangeVersion()
    {
        var session = Room();
        var before = session.Version;

        var result = Ok(session.Join(Alice, ParticipantRole.Voter, Now.AddSeconds(5)));

        Assert.False(result.Changed);
        Assert.Equal(before, session.Version);
    }

    [Fact]
    public void Join_SwitchToObserver_WithdrawsHiddenVote()
    {
        var session = Room();
        Ok(session.CastVote(Alice, Current(session), "5", Now));

        Ok(session.Join(Alice, ParticipantRole.Observer, Now));

        Assert.Equal(ParticipantRole.Observer, session.FindParticipant(Alice)!.Role);
        Assert.False(session.CurrentIssue.CurrentRound.Votes.ContainsKey(Alice));
    }

    [Fact]
    public void Join_MalformedAccount_IsValidation() =>
        Assert.Equal(PokerErrorKind.Validation, Room().Join("", ParticipantRole.Voter, Now).ErrorKind);

    [Fact]
    public void Join_BeyondMaxParticipants_IsValidation()
    {
        var session = PokerSession.Create(Spec(), Now).Value!;
        for (var i = 1; i < PokerSession.MaxParticipants; i++)
        {
            Ok(session.Join($"acc-{i}", ParticipantRole.Voter, Now));
        }

        Assert.Equal(PokerErrorKind.Validation, session.Join("one-too-many", ParticipantRole.Voter, Now).ErrorKind);
    }

    [Fact]
    public void Leave_Participant_RemovesAndBumpsVersion()
    {
        var session = Room();
        var before = session.Version;

        Ok(session.Leave(Bob, Now));

        Assert.Null(session.FindParticipant(Bob));
        Assert.Equal(before + 1, session.Version);
    }

    [Fact]
    public void Leave_NotAParticipant_IsNotFound() =>
        Assert.Equal(PokerErrorKind.NotFound, Room().Leave(Stranger, Now).ErrorKind);

    [Fact]
    public void Heartbeat_UpdatesLastSeenWithoutBumpingVersion()
    {
        var session = Room();
        var before = session.Version;

        var result = Ok(session.Heartbeat(Alice, Now.AddMinutes(5)));

        Assert.False(result.Changed);
        Assert.Equal(before, session.Version);
        Assert.Equal(Now.AddMinutes(5), session.FindParticipant(Alice)!.LastSeen);
    }

    [Fact]
    public void Heartbeat_OlderTimestamp_DoesNotMoveLastSeenBack()
    {
        var session = Room();
        Ok(session.Heartbeat(Alice, Now.AddMinutes(5)));
        Ok(session.Heartbeat(Alice, Now.AddMinutes(1)));
        Assert.Equal(Now.AddMinutes(5), session.FindParticipant(Alice)!.LastSeen);
    }

    [Fact]
    public void Heartbeat_NotAParticipant_IsNotFound() =>
        Assert.Equal(PokerErrorKind.NotFound, Room().Heartbeat(Stranger, Now).ErrorKind);

    [Fact]
    public void Participant_IsPresentOnlyWithinWindow()
    {
        var alice = Room().FindParticipant(Alice)!;
        var window = TimeSpan.FromSeconds(60);
        Assert.True(alice.IsPresent(Now.AddSeconds(60), window));
        Assert.False(alice.IsPresent(Now.AddSeconds(61), window));
    }

    // ---- Voting ------------------------------------------------------------------------

    [Fact]
    public void CastVote_CardInDeck_IsRecordedAndBumpsVersion()
    {
        var session = Room();
        var before = session.Version;

        var result = session.CastVote(Alice, Current(session), "5", Now);

        Assert.True(result.Changed);
        Assert.Equal(before + 1, session.Version);
        Assert.Equal("5", session.CurrentIssue.CurrentRound.Votes[Alice]);
    }

    [Fact]
    public void CastVote_ChangingCard_ReplacesVote()
    {
        var session = Room();
        Ok(session.CastVote(Alice, Current(session), "5", Now));
        Ok(session.CastVote(Alice, Current(session), "8", Now));
        Assert.Equal("8", session.CurrentIssue.CurrentRound.Votes[Alice]);
    }

    [Fact]
    public void CastVote_SameCardAgain_IsUnchanged()
    {
        var session = Room();
        Ok(session.CastVote(Alice, Current(session), "5", Now));
        var before = session.Version;

        var result = Ok(session.CastVote(Alice, Current(session), "5", Now));

        Assert.False(result.Changed);
        Assert.Equal(before, session.Version);
    }

    [Fact]
    public void CastVote_CardNotInDeck_IsInvalidVote()
    {
        var session = Room();
        var before = session.Version;

        var result = session.CastVote(Alice, Current(session), "4", Now);

        Assert.Equal(PokerErrorKind.InvalidVote, result.ErrorKind);
        Assert.Equal(before, session.Version);
        Assert.Empty(session.CurrentIssue.CurrentRound.Votes);
    }

    [Fact]
    public void CastVote_ByObserver_IsInvalidState() =>
        Assert.Equal(PokerErrorKind.InvalidState, Room().CastVote(Watcher, "10001", "5", Now).ErrorKind);

    [Fact]
    public void CastVote_ByStranger_IsForbidden() =>
        Assert.Equal(PokerErrorKind.Forbidden, Room().CastVote(Stranger, "10001", "5", Now).ErrorKind);

    [Fact]
    public void CastVote_UnknownIssue_IsNotFound() =>
        Assert.Equal(PokerErrorKind.NotFound, Room().CastVote(Alice, "99999", "5", Now).ErrorKind);

    [Fact]
    public void CastVote_LiveOnNonCurrentIssue_IsInvalidState() =>
        Assert.Equal(PokerErrorKind.InvalidState, Room().CastVote(Alice, "10002", "5", Now).ErrorKind);

    [Fact]
    public void CastVote_AfterReveal_IsInvalidState()
    {
        var session = Room();
        Ok(session.CastVote(Alice, Current(session), "5", Now));
        Ok(session.Reveal(Facilitator, Now));

        Assert.Equal(PokerErrorKind.InvalidState, session.CastVote(Bob, Current(session), "8", Now).ErrorKind);
    }

    [Fact]
    public void CastVote_UpdatesPresence()
    {
        var session = Room();
        Ok(session.CastVote(Alice, Current(session), "5", Now.AddMinutes(3)));
        Assert.Equal(Now.AddMinutes(3), session.FindParticipant(Alice)!.LastSeen);
    }

    [Fact]
    public void RetractVote_RemovesOwnVote()
    {
        var session = Room();
        Ok(session.CastVote(Alice, Current(session), "5", Now));

        var result = Ok(session.RetractVote(Alice, Current(session), Now));

        Assert.True(result.Changed);
        Assert.False(session.CurrentIssue.CurrentRound.Votes.ContainsKey(Alice));
    }

    [Fact]
    public void RetractVote_WithoutVote_IsUnchanged()
    {
        var session = Room();
        var before = session.Version;
        Assert.False(Ok(session.RetractVote(Alice, Current(session), Now)).Changed);
        Assert.Equal(before, session.Version);
    }

    [Fact]
    public void RetractVote_AfterReveal_IsInvalidState()
    {
        var session = Room();
        Ok(session.CastVote(Alice, Current(session), "5", Now));
        Ok(session.Reveal(Facilitator, Now));
        Assert.Equal(PokerErrorKind.InvalidState, session.RetractVote(Alice, Current(session), Now).ErrorKind);
    }

    [Fact]
    public void Votes_CannotBeChangedByCastingTheReadOnlyView()
    {
        var session = Room();
        Ok(session.CastVote(Alice, Current(session), "5", Now));

        var votes = Assert.IsAssignableFrom<IDictionary<string, string>>(session.CurrentIssue.CurrentRound.Votes);

        Assert.Throws<NotSupportedException>(() => votes[Alice] = "8");
        Assert.Throws<NotSupportedException>(() => ((ICollection<string>)session.DelegateAccountIds).Add(Alice));
        Assert.Equal("5", session.CurrentIssue.CurrentRound.Votes[Alice]);
    }

    // ---- Reveal / auto-reveal ----------------------------------------------------------

    [Fact]
    public void Reveal_ByFacilitator_RevealsCurrentRound()
    {
        var session = Room();
        Ok(session.CastVote(Alice, Current(session), "5", Now));

        Ok(session.Reveal(Facilitator, Now.AddSeconds(1)));

        Assert.True(session.CurrentIssue.CurrentRound.IsRevealed);
        Assert.Equal(Now.AddSeconds(1), session.CurrentIssue.CurrentRound.RevealedAt);
    }

    [Fact]
    public void Reveal_ByDelegate_IsAllowed() =>
        Ok(Room().Reveal(Deputy, Now));

    [Fact]
    public void Reveal_ByNonFacilitator_IsForbidden()
    {
        var session = Room();
        var before = session.Version;

        Assert.Equal(PokerErrorKind.Forbidden, session.Reveal(Alice, Now).ErrorKind);
        Assert.False(session.CurrentIssue.CurrentRound.IsRevealed);
        Assert.Equal(before, session.Version);
    }

    [Fact]
    public void Reveal_Twice_IsInvalidState()
    {
        var session = Room();
        Ok(session.Reveal(Facilitator, Now));
        Assert.Equal(PokerErrorKind.InvalidState, session.Reveal(Facilitator, Now).ErrorKind);
    }

    [Fact]
    public void Reveal_StaleVersion_IsConflict()
    {
        var session = Room();
        var seen = session.Version;
        Ok(session.CastVote(Alice, Current(session), "5", Now));

        var result = session.Reveal(Facilitator, Now, expectedVersion: seen);

        Assert.Equal(PokerErrorKind.Conflict, result.ErrorKind);
        var conflict = Assert.IsType<PokerConflict>(result.Error);
        Assert.Equal(seen, conflict.Expected);
        Assert.Equal(session.Version, conflict.Actual);
        Assert.False(session.CurrentIssue.CurrentRound.IsRevealed);
    }

    [Fact]
    public void Reveal_CurrentVersion_Succeeds() =>
        Ok(Room().Reveal(Facilitator, Now, expectedVersion: 4));

    [Fact]
    public void Reveal_StrangerWithStaleVersion_IsForbiddenFirst() =>
        Assert.Equal(PokerErrorKind.Forbidden, Room().Reveal(Stranger, Now, expectedVersion: 1).ErrorKind);

    [Fact]
    public void CastVote_LastPresentVoterWithAutoReveal_RevealsInTheSameChange()
    {
        var session = Room(autoReveal: true);
        Ok(session.CastVote(Facilitator, Current(session), "5", Now));
        Ok(session.CastVote(Alice, Current(session), "5", Now));
        Assert.False(session.CurrentIssue.CurrentRound.IsRevealed);
        var before = session.Version;

        var result = Ok(session.CastVote(Bob, Current(session), "8", Now));

        Assert.True(session.CurrentIssue.CurrentRound.IsRevealed);
        Assert.Equal(before + 1, result.Version);
    }

    [Fact]
    public void CastVote_AllVotedWithoutAutoReveal_StaysHidden()
    {
        var session = Room(autoReveal: false);
        foreach (var voter in new[] { Facilitator, Alice, Bob })
        {
            Ok(session.CastVote(voter, Current(session), "5", Now));
        }

        Assert.False(session.CurrentIssue.CurrentRound.IsRevealed);
    }

    [Fact]
    public void CastVote_AbsentVoterDoesNotHoldUpAutoReveal()
    {
        var session = Room(autoReveal: true);
        var later = Now.AddMinutes(5); // everyone's last-seen is Now; the window is 60 s
        Ok(session.Heartbeat(Facilitator, later));
        Ok(session.Heartbeat(Alice, later));
        Ok(session.CastVote(Facilitator, Current(session), "5", later));

        Assert.False(session.CurrentIssue.CurrentRound.IsRevealed);

        Ok(session.CastVote(Alice, Current(session), "3", later));

        // Bob has not been seen for 5 minutes: he is absent and does not block the reveal.
        Assert.True(session.CurrentIssue.CurrentRound.IsRevealed);
    }

    [Fact]
    public void Tick_VoterWentAbsent_AutoRevealsTheRest()
    {
        var session = Room(autoReveal: true);
        Ok(session.CastVote(Facilitator, Current(session), "5", Now));
        Ok(session.CastVote(Alice, Current(session), "5", Now.AddSeconds(50)));
        Ok(session.Heartbeat(Facilitator, Now.AddSeconds(50)));
        Assert.False(session.CurrentIssue.CurrentRound.IsRevealed); // Bob is still present

        Assert.False(Ok(session.Tick(Now.AddSeconds(55))).Changed);
        var result = Ok(session.Tick(Now.AddSeconds(90))); // Bob last seen at Now: absent

        Assert.True(result.Changed);
        Assert.True(session.CurrentIssue.CurrentRound.IsRevealed);
    }

    [Fact]
    public void Leave_LastMissingVoter_TriggersAutoReveal()
    {
        var session = Room(autoReveal: true);
        Ok(session.CastVote(Facilitator, Current(session), "5", Now));
        Ok(session.CastVote(Alice, Current(session), "5", Now));

        Ok(session.Leave(Bob, Now));

        Assert.True(session.CurrentIssue.CurrentRound.IsRevealed);
    }

    [Fact]
    public void AutoReveal_IgnoresObservers()
    {
        var session = Room(autoReveal: true);
        Ok(session.CastVote(Facilitator, Current(session), "5", Now));
        Ok(session.CastVote(Alice, Current(session), "5", Now));
        Ok(session.CastVote(Bob, Current(session), "5", Now));

        // Watcher (an observer) never voted and the round still revealed.
        Assert.True(session.CurrentIssue.CurrentRound.IsRevealed);
    }

    // ---- Revote ------------------------------------------------------------------------

    [Fact]
    public void Revote_AfterReveal_StartsNewRoundAndKeepsHistory()
    {
        var session = Room();
        Ok(session.CastVote(Alice, Current(session), "3", Now));
        Ok(session.CastVote(Bob, Current(session), "13", Now));
        Ok(session.Reveal(Facilitator, Now));

        Ok(session.Revote(Facilitator, Now));

        var issue = session.CurrentIssue;
        Assert.Equal(2, issue.Rounds.Count);
        Assert.Equal(2, issue.CurrentRound.Number);
        Assert.Empty(issue.CurrentRound.Votes);
        Assert.False(issue.CurrentRound.IsRevealed);
        Assert.Equal("13", issue.Rounds[0].Votes[Bob]);
        Assert.True(issue.Rounds[0].IsRevealed);
        Ok(session.CastVote(Bob, Current(session), "8", Now));
        Assert.Equal("13", issue.Rounds[0].Votes[Bob]);
    }

    [Fact]
    public void Revote_AfterAccept_KeepsTheAcceptedEstimateUntilReplaced()
    {
        var session = Room();
        Ok(session.Reveal(Facilitator, Now));
        Ok(session.AcceptEstimate(Facilitator, Current(session), "5", Now));

        Ok(session.Revote(Facilitator, Now));
        Assert.Equal("5", session.CurrentIssue.Accepted!.Label);

        Ok(session.Reveal(Facilitator, Now));
        Ok(session.AcceptEstimate(Facilitator, Current(session), "8", Now));
        Assert.Equal(new AcceptedEstimate("8", 8m, Facilitator, Now, 2), session.CurrentIssue.Accepted);
    }

    [Fact]
    public void Revote_BeforeReveal_IsInvalidState() =>
        Assert.Equal(PokerErrorKind.InvalidState, Room().Revote(Facilitator, Now).ErrorKind);

    [Fact]
    public void Revote_ByVoter_IsForbidden() =>
        Assert.Equal(PokerErrorKind.Forbidden, Room().Revote(Bob, Now).ErrorKind);

    [Fact]
    public void Revote_BeyondMaxRounds_IsValidation()
    {
        var session = Room();
        for (var i = 1; i < PokerSession.MaxRoundsPerIssue; i++)
        {
            Ok(session.Reveal(Facilitator, Now));
            Ok(session.Revote(Facilitator, Now));
        }

        Ok(session.Reveal(Facilitator, Now));
        Assert.Equal(PokerErrorKind.Validation, session.Revote(Facilitator, Now).ErrorKind);
    }

    // ---- Navigation --------------------------------------------------------------------

    [Fact]
    public void NextIssue_MovesForwardUntilTheLast()
    {
        var session = Room(issues: 2);
        Ok(session.NextIssue(Facilitator, Now));
        Assert.Equal(1, session.CurrentIndex);

        var before = session.Version;
        Assert.Equal(PokerErrorKind.InvalidState, session.NextIssue(Facilitator, Now).ErrorKind);
        Assert.Equal(1, session.CurrentIndex);
        Assert.Equal(before, session.Version);
    }

    [Fact]
    public void PreviousIssue_OnFirst_IsInvalidState() =>
        Assert.Equal(PokerErrorKind.InvalidState, Room().PreviousIssue(Facilitator, Now).ErrorKind);

    [Fact]
    public void PreviousIssue_AfterNext_ReturnsAndKeepsVotes()
    {
        var session = Room();
        Ok(session.CastVote(Alice, Current(session), "5", Now));
        Ok(session.NextIssue(Deputy, Now));
        Ok(session.PreviousIssue(Deputy, Now));

        Assert.Equal(0, session.CurrentIndex);
        Assert.Equal("5", session.CurrentIssue.CurrentRound.Votes[Alice]);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public void GoToIssue_OutOfRange_IsNotFound(int index) =>
        Assert.Equal(PokerErrorKind.NotFound, Room().GoToIssue(Facilitator, index, Now).ErrorKind);

    [Fact]
    public void GoToIssue_ValidIndex_Moves()
    {
        var session = Room();
        Ok(session.GoToIssue(Facilitator, 2, Now));
        Assert.Equal(2, session.CurrentIndex);
        Assert.Equal("10003", Current(session));
    }

    [Fact]
    public void GoToIssue_SameIndex_IsUnchanged() =>
        Assert.False(Ok(Room().GoToIssue(Facilitator, 0, Now)).Changed);

    [Fact]
    public void NextIssue_ByVoter_IsForbidden() =>
        Assert.Equal(PokerErrorKind.Forbidden, Room().NextIssue(Alice, Now).ErrorKind);

    [Fact]
    public void Skip_MarksSkippedAndMovesOn()
    {
        var session = Room();
        Ok(session.Skip(Facilitator, Now));

        Assert.True(session.Issues[0].IsSkipped);
        Assert.Equal(1, session.CurrentIndex);
    }

    [Fact]
    public void Skip_OnLastIssue_MarksSkippedAndStays()
    {
        var session = Room(issues: 1);
        Ok(session.Skip(Facilitator, Now));
        Assert.True(session.Issues[0].IsSkipped);
        Assert.Equal(0, session.CurrentIndex);
    }

    [Fact]
    public void Skip_AcceptedIssue_IsInvalidState()
    {
        var session = Room();
        Ok(session.AcceptEstimate(Facilitator, Current(session), "5", Now));
        Assert.Equal(PokerErrorKind.InvalidState, session.Skip(Facilitator, Now).ErrorKind);
    }

    [Fact]
    public void Skip_ByVoter_IsForbidden() =>
        Assert.Equal(PokerErrorKind.Forbidden, Room().Skip(Bob, Now).ErrorKind);

    // ---- Accept ------------------------------------------------------------------------

    [Fact]
    public void AcceptEstimate_DeckCard_RecordsLabelValueAndWho()
    {
        var session = Room();
        Ok(session.Reveal(Facilitator, Now));
        Ok(session.Revote(Facilitator, Now));

        Ok(session.AcceptEstimate(Deputy, Current(session), "8", Now.AddMinutes(1)));

        Assert.Equal(new AcceptedEstimate("8", 8m, Deputy, Now.AddMinutes(1), 2), session.CurrentIssue.Accepted);
    }

    [Fact]
    public void AcceptEstimate_ClearsSkipped()
    {
        var session = Room();
        Ok(session.Skip(Facilitator, Now));
        Ok(session.AcceptEstimate(Facilitator, "10001", "3", Now));
        Assert.False(session.Issues[0].IsSkipped);
    }

    [Theory]
    [InlineData("4")]
    [InlineData("?")]
    [InlineData("\u2615")]
    public void AcceptEstimate_NotAnEstimateCard_IsInvalidVote(string label) =>
        Assert.Equal(PokerErrorKind.InvalidVote, Room().AcceptEstimate(Facilitator, "10001", label, Now).ErrorKind);

    [Fact]
    public void AcceptEstimate_UnknownIssue_IsNotFound() =>
        Assert.Equal(PokerErrorKind.NotFound, Room().AcceptEstimate(Facilitator, "42", "5", Now).ErrorKind);

    [Fact]
    public void AcceptEstimate_ByVoter_IsForbidden() =>
        Assert.Equal(PokerErrorKind.Forbidden, Room().AcceptEstimate(Alice, "10001", "5", Now).ErrorKind);

    [Fact]
    public void AcceptEstimate_TShirt_KeepsLabelAndMappedValue()
    {
        var session = Room(deck: BuiltInDecks.TShirt);
        Ok(session.AcceptEstimate(Facilitator, "10001", "L", Now));
        Assert.Equal("L", session.Issues[0].Accepted!.Label);
        Assert.Equal(5m, session.Issues[0].Accepted!.Value);
    }

    [Fact]
    public void AcceptValue_OffDeckNumber_HasNoLabel()
    {
        var session = Room();
        Ok(session.AcceptValue(Facilitator, "10001", 4m, Now));
        Assert.Null(session.Issues[0].Accepted!.Label);
        Assert.Equal(4m, session.Issues[0].Accepted!.Value);
    }

    [Fact]
    public void AcceptValue_OnDeckNumber_TakesTheCardLabel()
    {
        var session = Room(deck: BuiltInDecks.ModifiedFibonacci);
        Ok(session.AcceptValue(Facilitator, "10001", 0.5m, Now));
        Assert.Equal("\u00BD", session.Issues[0].Accepted!.Label);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(100001)]
    [InlineData(1.234)]
    public void AcceptValue_OutOfBounds_IsValidation(double value) =>
        Assert.Equal(PokerErrorKind.Validation, Room().AcceptValue(Facilitator, "10001", (decimal)value, Now).ErrorKind);

    // ---- Timer -------------------------------------------------------------------------

    [Fact]
    public void StartTimer_SetsEndTime()
    {
        var session = Room();
        Ok(session.StartTimer(Facilitator, TimeSpan.FromMinutes(2), Now));
        Assert.Equal(Now.AddMinutes(2), session.TimerEndsAt);
    }

    [Fact]
    public void StartTimer_WithoutDuration_UsesDefaultSetting()
    {
        var session = Room(defaultTimer: TimeSpan.FromSeconds(90));
        Ok(session.StartTimer(Facilitator, null, Now));
        Assert.Equal(Now.AddSeconds(90), session.TimerEndsAt);
    }

    [Fact]
    public void StartTimer_NoDurationAndNoDefault_IsValidation() =>
        Assert.Equal(PokerErrorKind.Validation, Room().StartTimer(Facilitator, null, Now).ErrorKind);

    [Fact]
    public void StartTimer_TooLong_IsValidation() =>
        Assert.Equal(PokerErrorKind.Validation, Room().StartTimer(Facilitator, TimeSpan.FromHours(2), Now).ErrorKind);

    [Fact]
    public void StartTimer_ByVoter_IsForbidden() =>
        Assert.Equal(PokerErrorKind.Forbidden, Room().StartTimer(Bob, TimeSpan.FromMinutes(1), Now).ErrorKind);

    [Fact]
    public void StopTimer_ClearsAndSecondStopIsUnchanged()
    {
        var session = Room();
        Ok(session.StartTimer(Facilitator, TimeSpan.FromMinutes(2), Now));

        Assert.True(Ok(session.StopTimer(Facilitator, Now)).Changed);
        Assert.Null(session.TimerEndsAt);
        Assert.False(Ok(session.StopTimer(Facilitator, Now)).Changed);
    }

    [Fact]
    public void NextIssue_StopsTheTimer()
    {
        var session = Room();
        Ok(session.StartTimer(Facilitator, TimeSpan.FromMinutes(2), Now));
        Ok(session.NextIssue(Facilitator, Now));
        Assert.Null(session.TimerEndsAt);
    }

    // ---- Delegates / End ---------------------------------------------------------------

    [Fact]
    public void SetDelegates_ByFacilitator_ReplacesThem()
    {
        var session = Room();
        Ok(session.SetDelegates(Facilitator, [Alice], Now));

        Assert.True(session.CanFacilitate(Alice));
        Assert.False(session.CanFacilitate(Deputy));
    }

    [Fact]
    public void SetDelegates_ByDelegate_IsForbidden() =>
        Assert.Equal(PokerErrorKind.Forbidden, Room().SetDelegates(Deputy, [Alice], Now).ErrorKind);

    [Fact]
    public void EndSession_ByDelegate_IsForbidden() =>
        Assert.Equal(PokerErrorKind.Forbidden, Room().EndSession(Deputy, Now).ErrorKind);

    [Fact]
    public void EndSession_ByFacilitator_Ends()
    {
        var session = Room();
        Ok(session.StartTimer(Facilitator, TimeSpan.FromMinutes(1), Now));

        Ok(session.EndSession(Facilitator, Now.AddHours(1)));

        Assert.Equal(SessionStatus.Ended, session.Status);
        Assert.Equal(Now.AddHours(1), session.EndedAt);
        Assert.Null(session.TimerEndsAt);
    }

    public static TheoryData<string, Func<PokerSession, PokerResult>> ActionsAfterEnd => new()
    {
        { "Join", s => s.Join(Stranger, ParticipantRole.Voter, Now) },
        { "Leave", s => s.Leave(Alice, Now) },
        { "Heartbeat", s => s.Heartbeat(Alice, Now) },
        { "CastVote", s => s.CastVote(Alice, "10001", "5", Now) },
        { "RetractVote", s => s.RetractVote(Alice, "10001", Now) },
        { "Reveal", s => s.Reveal(Facilitator, Now) },
        { "CloseVoting", s => s.CloseVoting(Facilitator, Now) },
        { "Revote", s => s.Revote(Facilitator, Now) },
        { "Skip", s => s.Skip(Facilitator, Now) },
        { "NextIssue", s => s.NextIssue(Facilitator, Now) },
        { "PreviousIssue", s => s.PreviousIssue(Facilitator, Now) },
        { "GoToIssue", s => s.GoToIssue(Facilitator, 1, Now) },
        { "AcceptEstimate", s => s.AcceptEstimate(Facilitator, "10001", "5", Now) },
        { "AcceptValue", s => s.AcceptValue(Facilitator, "10001", 5m, Now) },
        { "StartTimer", s => s.StartTimer(Facilitator, TimeSpan.FromMinutes(1), Now) },
        { "StopTimer", s => s.StopTimer(Facilitator, Now) },
        { "SetDelegates", s => s.SetDelegates(Facilitator, [Alice], Now) },
        { "EndSession", s => s.EndSession(Facilitator, Now) },
    };

    [Theory]
    [MemberData(nameof(ActionsAfterEnd))]
    public void AnyAction_AfterEnd_IsInvalidState(string name, Func<PokerSession, PokerResult> action)
    {
        var session = Room();
        Ok(session.EndSession(Facilitator, Now));
        var before = session.Version;

        var result = action(session);

        Assert.True(result.ErrorKind == PokerErrorKind.InvalidState, $"{name} gave {result.ErrorKind}");
        Assert.Equal(before, session.Version);
    }

    [Fact]
    public void Tick_AfterEnd_IsUnchangedSuccess()
    {
        var session = Room();
        Ok(session.EndSession(Facilitator, Now));
        Assert.False(Ok(session.Tick(Now.AddDays(2))).Changed);
    }

    // ---- Version -----------------------------------------------------------------------

    [Fact]
    public void Version_GrowsByOneOnEverySuccessfulChange()
    {
        var session = Room(defaultTimer: TimeSpan.FromMinutes(1));
        var issue = Current(session);
        var changes = new Func<PokerResult>[]
        {
            () => session.Join(Stranger, ParticipantRole.Voter, Now),
            () => session.CastVote(Alice, issue, "5", Now),
            () => session.CastVote(Bob, issue, "8", Now),
            () => session.RetractVote(Bob, issue, Now),
            () => session.StartTimer(Facilitator, null, Now),
            () => session.StopTimer(Facilitator, Now),
            () => session.Reveal(Facilitator, Now),
            () => session.Revote(Facilitator, Now),
            () => session.AcceptEstimate(Facilitator, issue, "5", Now),
            () => session.NextIssue(Facilitator, Now),
            () => session.PreviousIssue(Facilitator, Now),
            () => session.GoToIssue(Facilitator, 1, Now),
            () => session.Skip(Facilitator, Now),
            () => session.AcceptValue(Facilitator, issue, 4m, Now),
            () => session.SetDelegates(Facilitator, [Alice], Now),
            () => session.Join(Alice, ParticipantRole.Observer, Now),
            () => session.Leave(Stranger, Now),
            () => session.EndSession(Facilitator, Now),
        };

        foreach (var change in changes)
        {
            var before = session.Version;
            var result = Ok(change());
            Assert.True(result.Changed);
            Assert.Equal(before + 1, session.Version);
            Assert.Equal(session.Version, result.Version);
        }
    }

    [Fact]
    public void Version_UnchangedByEveryRefusal()
    {
        var session = Room();
        var before = session.Version;
        var refusals = new[]
        {
            session.CastVote(Alice, Current(session), "4", Now),
            session.CastVote(Watcher, Current(session), "5", Now),
            session.Reveal(Alice, Now),
            session.Reveal(Facilitator, Now, expectedVersion: before - 1),
            session.PreviousIssue(Facilitator, Now),
            session.GoToIssue(Facilitator, 99, Now),
            session.Revote(Facilitator, Now),
            session.EndSession(Deputy, Now),
        };

        Assert.All(refusals, r => Assert.False(r.IsSuccess));
        Assert.Equal(before, session.Version);
    }

    // ---- Async -------------------------------------------------------------------------

    [Fact]
    public void CastVote_AsyncOnAnyIssue_IsAllowedBeforeDeadline()
    {
        var session = Room(PokerMode.Async);
        Ok(session.CastVote(Alice, "10003", "5", Now));
        Ok(session.CastVote(Alice, "10001", "8", Now));
        Assert.Equal("5", session.Issues[2].CurrentRound.Votes[Alice]);
        Assert.Equal(Now.AddDays(1), session.RevealDueAt);
    }

    [Fact]
    public void CastVote_AsyncAllVoted_DoesNotAutoReveal()
    {
        var session = Room(PokerMode.Async, autoReveal: true);
        foreach (var voter in new[] { Facilitator, Alice, Bob })
        {
            Ok(session.CastVote(voter, "10001", "5", Now));
        }

        Assert.False(session.Issues[0].CurrentRound.IsRevealed);
    }

    [Fact]
    public void Tick_AtAsyncDeadline_RevealsEveryIssue()
    {
        var session = Room(PokerMode.Async, deadline: Now.AddHours(2));
        Ok(session.CastVote(Alice, "10001", "5", Now));
        Ok(session.CastVote(Bob, "10002", "8", Now));

        Assert.False(Ok(session.Tick(Now.AddHours(2).AddTicks(-1))).Changed);
        Assert.All(session.Issues, i => Assert.False(i.CurrentRound.IsRevealed));

        var result = Ok(session.Tick(Now.AddHours(2)));

        Assert.True(result.Changed);
        Assert.All(session.Issues, i => Assert.True(i.CurrentRound.IsRevealed));
        Assert.Equal(Now.AddHours(2), session.VotingClosedAt);
        Assert.Null(session.RevealDueAt);
        Assert.False(Ok(session.Tick(Now.AddHours(3))).Changed);
    }

    [Fact]
    public void CastVote_AsyncAfterDeadlineBeforeTick_IsInvalidState()
    {
        var session = Room(PokerMode.Async, deadline: Now.AddHours(2));
        Assert.Equal(PokerErrorKind.InvalidState, session.CastVote(Alice, "10001", "5", Now.AddHours(2)).ErrorKind);
    }

    [Fact]
    public void CloseVoting_ByFacilitatorBeforeDeadline_RevealsAndStopsVoting()
    {
        var session = Room(PokerMode.Async);
        Ok(session.CastVote(Alice, "10002", "5", Now));

        Ok(session.CloseVoting(Deputy, Now.AddMinutes(1)));

        Assert.True(session.Issues[1].CurrentRound.IsRevealed);
        Assert.Equal(PokerErrorKind.InvalidState, session.CastVote(Bob, "10003", "5", Now.AddMinutes(2)).ErrorKind);
        Assert.Equal(PokerErrorKind.InvalidState, session.CloseVoting(Facilitator, Now).ErrorKind);
    }

    [Fact]
    public void CloseVoting_ByVoter_IsForbidden() =>
        Assert.Equal(PokerErrorKind.Forbidden, Room(PokerMode.Async).CloseVoting(Alice, Now).ErrorKind);

    [Fact]
    public void CloseVoting_InLiveMode_IsInvalidState() =>
        Assert.Equal(PokerErrorKind.InvalidState, Room().CloseVoting(Facilitator, Now).ErrorKind);

    [Fact]
    public void Revote_AsyncAfterClose_IsInvalidState()
    {
        var session = Room(PokerMode.Async);
        Ok(session.CloseVoting(Facilitator, Now));
        Assert.Equal(PokerErrorKind.InvalidState, session.Revote(Facilitator, Now).ErrorKind);
    }

    [Fact]
    public void AsyncReview_FacilitatorNavigatesAndAccepts()
    {
        var session = Room(PokerMode.Async, deadline: Now.AddHours(1));
        Ok(session.CastVote(Alice, "10002", "5", Now));
        Ok(session.CastVote(Bob, "10002", "8", Now));
        Ok(session.Tick(Now.AddHours(1)));

        Ok(session.GoToIssue(Facilitator, 1, Now.AddHours(2)));
        Ok(session.AcceptEstimate(Facilitator, Current(session), "8", Now.AddHours(2)));

        Assert.Equal("8", session.Issues[1].Accepted!.Label);
    }
}
