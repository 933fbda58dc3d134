using System.Collections.ObjectModel;
using System.Globalization;

namespace Estimo.Core.Poker;

/// <summary>
/// A planning-poker session: the aggregate every command goes through. It is pure and
/// single-threaded: callers load it, run one operation, persist it if
/// <see cref="PokerResult.Changed"/>, and broadcast the new <see cref="Version"/>.
/// </summary>
/// <remarks>
/// <para>Every operation takes the current time as a parameter instead of reading a clock, so
/// behaviour is deterministic and tests need no fake clock.</para>
/// <para>Checks run in a fixed order so a caller always gets the most fundamental reason first:
/// ended session (<see cref="PokerErrorKind.InvalidState"/>), authority
/// (<see cref="PokerErrorKind.Forbidden"/>), stale version (<see cref="PokerErrorKind.Conflict"/>),
/// then the operation's own rules. A refused operation changes nothing, not even the version.</para>
/// <para><see cref="Version"/> grows by exactly one per successful operation that changed state.
/// Presence (heartbeats) is soft state and does not bump it; otherwise every heartbeat would make
/// the facilitator's next click a conflict.</para>
/// <para>Votes carry the issue id instead of an expected version: many people vote at once, and
/// a vote is only stale if it targets an issue that is no longer open for voting.</para>
/// </remarks>
public sealed partial class PokerSession
{
    /// <summary>The most issues in one session: more than a team can estimate in a day, and it bounds the stored size.</summary>
    public const int MaxIssues = 500;

    /// <summary>The most participants (voters and observers) in one session.</summary>
    public const int MaxParticipants = 200;

    /// <summary>The most delegates: facilitation is a small group by nature.</summary>
    public const int MaxDelegates = 20;

    /// <summary>The most rounds per issue; keeps history and the stored size bounded.</summary>
    public const int MaxRoundsPerIssue = 20;

    /// <summary>The longest id accepted (Atlassian account ids are at most 128 characters).</summary>
    public const int MaxIdLength = 128;

    /// <summary>The longest Jira issue key.</summary>
    public const int MaxIssueKeyLength = 255;

    /// <summary>The largest free value <see cref="AcceptValue"/> takes.</summary>
    public const decimal MaxAcceptedValue = 100_000m;

    /// <summary>The shortest timer.</summary>
    public static readonly TimeSpan MinTimerDuration = TimeSpan.FromSeconds(5);

    /// <summary>The longest timer.</summary>
    public static readonly TimeSpan MaxTimerDuration = TimeSpan.FromHours(1);

    /// <summary>The longest presence window.</summary>
    public static readonly TimeSpan MaxPresenceWindow = TimeSpan.FromHours(1);

    private readonly Dictionary<string, Participant> _participants = new(StringComparer.Ordinal);
    private readonly List<IssueEstimation> _issues;
    private readonly Dictionary<string, int> _issueIndexById = new(StringComparer.Ordinal);
    private readonly HashSet<string> _delegates = new(StringComparer.Ordinal);
    private readonly ReadOnlySet<string> _delegatesView;

    private PokerSession(NewPokerSession spec, DateTimeOffset now)
    {
        Id = spec.SessionId;
        InstallationId = spec.InstallationId;
        FacilitatorAccountId = spec.FacilitatorAccountId;
        Deck = spec.Deck;
        Mode = spec.Mode;
        AsyncDeadline = spec.AsyncDeadline;
        Settings = spec.Settings;
        CreatedAt = now;
        _issues = [.. spec.Issues.Select(i => new IssueEstimation(i, now))];
        for (var i = 0; i < _issues.Count; i++)
        {
            _issueIndexById[_issues[i].Issue.IssueId] = i;
        }

        _delegates.UnionWith(spec.DelegateAccountIds);
        _delegatesView = new ReadOnlySet<string>(_delegates);
        _participants[FacilitatorAccountId] = new Participant(FacilitatorAccountId, ParticipantRole.Voter, now);
        Version = 1;
    }

    private enum Authority
    {
        Participant,
        Facilitation,
        FacilitatorOnly,
    }

    /// <summary>The session id.</summary>
    public string Id { get; }

    /// <summary>The installation the session belongs to.</summary>
    public string InstallationId { get; }

    /// <summary>The account that created the session; the only one who may end it or change delegates.</summary>
    public string FacilitatorAccountId { get; }

    /// <summary>Accounts who may also reveal, navigate, revote, time and accept.</summary>
    public IReadOnlyCollection<string> DelegateAccountIds => _delegatesView;

    /// <summary>The deck.</summary>
    public Deck Deck { get; }

    /// <summary>Live or async.</summary>
    public PokerMode Mode { get; }

    /// <summary>Facilitator choices.</summary>
    public PokerSettings Settings { get; }

    /// <summary>When async voting closes (async only).</summary>
    public DateTimeOffset? AsyncDeadline { get; }

    /// <summary>When async voting was closed (by <see cref="Tick"/> at the deadline or by <see cref="CloseVoting"/>).</summary>
    public DateTimeOffset? VotingClosedAt { get; private set; }

    /// <summary>
    /// When the host must call <see cref="Tick"/> so async votes are revealed on time, or
    /// <see langword="null"/> if nothing is due (live mode, or already closed).
    /// </summary>
    public DateTimeOffset? RevealDueAt => Mode == PokerMode.Async && VotingClosedAt is null && Status == SessionStatus.Active ? AsyncDeadline : null;

    /// <summary>When the session was created.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>When the session ended.</summary>
    public DateTimeOffset? EndedAt { get; private set; }

    /// <summary>Active or ended.</summary>
    public SessionStatus Status { get; private set; }

    /// <summary>Every issue in order.</summary>
    public IReadOnlyList<IssueEstimation> Issues => _issues.AsReadOnly();

    /// <summary>The position of the issue in focus (the one live votes go to).</summary>
    public int CurrentIndex { get; private set; }

    /// <summary>The issue in focus.</summary>
    public IssueEstimation CurrentIssue => _issues[CurrentIndex];

    /// <summary>Everyone who joined and has not left.</summary>
    public IReadOnlyCollection<Participant> Participants => _participants.Values;

    /// <summary>When the running timer ends, or <see langword="null"/> when none runs.</summary>
    public DateTimeOffset? TimerEndsAt { get; private set; }

    /// <summary>Grows by one with every change; callers pass the version they saw to detect stale views.</summary>
    public long Version { get; private set; }

    /// <summary>
    /// Validates <paramref name="spec"/> and starts a session; the facilitator joins as a voter
    /// (they can switch to observer with <see cref="Join"/>).
    /// </summary>
    public static PokerResult<PokerSession> Create(NewPokerSession spec, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problems = ValidateSpec(spec, now, isRestore: false);
        if (problems.Count > 0)
        {
            return new PokerResult<PokerSession>(null, new PokerError(PokerErrorKind.Validation, string.Join(" ", problems)));
        }

        var normalized = spec with
        {
            DelegateAccountIds = [.. (spec.DelegateAccountIds ?? []).Where(d => !string.Equals(d, spec.FacilitatorAccountId, StringComparison.Ordinal))],
            Settings = spec.Settings ?? new PokerSettings(),
        };
        return new PokerResult<PokerSession>(new PokerSession(normalized, now), null);
    }

    private static List<string> ValidateSpec(NewPokerSession spec, DateTimeOffset now, bool isRestore)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(spec.SessionId) || spec.SessionId.Length > 64)
        {
            problems.Add("The session id must be 1 to 64 characters.");
        }

        if (!IsValidId(spec.InstallationId))
        {
            problems.Add("The installation id is missing or malformed.");
        }

        if (!IsValidId(spec.FacilitatorAccountId))
        {
            problems.Add("The facilitator account id is missing or malformed.");
        }

        if (spec.Deck is null)
        {
            problems.Add("A deck is required.");
        }

        var issues = spec.Issues ?? [];
        if (issues.Count is 0 or > MaxIssues)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"A session has 1 to {MaxIssues} issues; this one has {issues.Count}."));
        }

        if (issues.Any(i => i is null || !IsValidId(i.IssueId) || string.IsNullOrWhiteSpace(i.IssueKey) || i.IssueKey.Length > MaxIssueKeyLength))
        {
            problems.Add("Every issue needs an id and a key.");
        }
        else if (issues.Select(i => i.IssueId).Distinct(StringComparer.Ordinal).Count() != issues.Count)
        {
            problems.Add("An issue appears twice.");
        }

        var delegates = spec.DelegateAccountIds ?? [];
        if (delegates.Count > MaxDelegates || delegates.Any(d => !IsValidId(d)))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"Up to {MaxDelegates} delegates with valid account ids are allowed."));
        }

        if (spec.Mode == PokerMode.Async && (spec.AsyncDeadline is not { } deadline || (!isRestore && deadline <= now)))
        {
            problems.Add("An async session needs a deadline in the future.");
        }

        if (spec.Mode == PokerMode.Live && spec.AsyncDeadline is not null)
        {
            problems.Add("A live session has no deadline.");
        }

        var settings = spec.Settings ?? new PokerSettings();
        if (settings.PresenceWindow < PokerSettings.MinPresenceWindow || settings.PresenceWindow > MaxPresenceWindow)
        {
            problems.Add("The presence window must be between 30 seconds and 1 hour.");
        }

        if (settings.DefaultTimerDuration is { } timer && !IsValidTimer(timer))
        {
            problems.Add("The default timer must be between 5 seconds and 1 hour.");
        }

        return problems;
    }

    /// <summary>Whether <paramref name="accountId"/> may reveal, navigate, revote, time and accept.</summary>
    public bool CanFacilitate(string? accountId) =>
        accountId is not null && (string.Equals(accountId, FacilitatorAccountId, StringComparison.Ordinal) || _delegates.Contains(accountId));

    /// <summary>The participant with <paramref name="accountId"/>, or <see langword="null"/>.</summary>
    public Participant? FindParticipant(string? accountId) =>
        accountId is not null && _participants.TryGetValue(accountId, out var p) ? p : null;

    /// <summary>The issue with <paramref name="issueId"/>, or <see langword="null"/>.</summary>
    public IssueEstimation? FindIssue(string? issueId) =>
        issueId is not null && _issueIndexById.TryGetValue(issueId, out var i) ? _issues[i] : null;

    /// <summary>Whether async votes may no longer be cast (deadline passed or closed by the facilitator).</summary>
    public bool IsVotingClosed(DateTimeOffset now) =>
        VotingClosedAt is not null || (Mode == PokerMode.Async && now >= AsyncDeadline);

    /// <summary>
    /// Joins as <paramref name="role"/>, or changes the role of someone already in. Switching to
    /// observer withdraws the participant's unrevealed votes, because observers never vote.
    /// </summary>
    public PokerResult Join(string accountId, ParticipantRole role, DateTimeOffset now)
    {
        if (Status == SessionStatus.Ended)
        {
            return Ended();
        }

        if (!IsValidId(accountId) || !Enum.IsDefined(role))
        {
            return Fail(PokerErrorKind.Validation, "The account id or role is malformed.");
        }

        if (_participants.TryGetValue(accountId, out var existing))
        {
            Touch(existing, now);
            if (existing.Role == role)
            {
                return Unchanged();
            }

            existing.Role = role;
            if (role == ParticipantRole.Observer)
            {
                foreach (var issue in _issues.Where(i => !i.CurrentRound.IsRevealed))
                {
                    issue.CurrentRound.RemoveVote(accountId);
                }
            }

            TryAutoReveal(now);
            return Changed();
        }

        if (_participants.Count >= MaxParticipants)
        {
            return Fail(PokerErrorKind.Validation, string.Create(CultureInfo.InvariantCulture, $"A session holds at most {MaxParticipants} participants."));
        }

        _participants[accountId] = new Participant(accountId, role, now);
        return Changed();
    }

    /// <summary>
    /// Leaves the session. Votes already cast stay (they were given in good faith and the room
    /// may still reveal them); the leaver no longer holds up auto-reveal.
    /// </summary>
    public PokerResult Leave(string accountId, DateTimeOffset now)
    {
        if (Status == SessionStatus.Ended)
        {
            return Ended();
        }

        if (accountId is null || !_participants.Remove(accountId))
        {
            return Fail(PokerErrorKind.NotFound, "Not a participant of this session.");
        }

        TryAutoReveal(now);
        return Changed();
    }

    /// <summary>
    /// Records that the participant is still there. Presence is soft state: it never changes
    /// <see cref="Version"/>; views compute "present" from the last-seen time.
    /// </summary>
    public PokerResult Heartbeat(string accountId, DateTimeOffset now)
    {
        if (Status == SessionStatus.Ended)
        {
            return Ended();
        }

        if (FindParticipant(accountId) is not { } participant)
        {
            return Fail(PokerErrorKind.NotFound, "Not a participant of this session.");
        }

        Touch(participant, now);
        return Unchanged();
    }

    /// <summary>
    /// Casts (or changes) a vote on <paramref name="issueId"/>. In live mode only the current
    /// issue takes votes; in async mode any issue does until the deadline. Casting the same card
    /// again is a success without change.
    /// </summary>
    public PokerResult CastVote(string accountId, string issueId, string label, DateTimeOffset now)
    {
        var check = CheckVoting(accountId, issueId, now, out var round);
        if (check is not null)
        {
            return check;
        }

        if (!Deck.Contains(label))
        {
            return Fail(PokerErrorKind.InvalidVote, "That card is not in this session's deck.");
        }

        Touch(_participants[accountId], now);
        if (!round!.SetVote(accountId, label))
        {
            return Unchanged();
        }

        TryAutoReveal(now);
        return Changed();
    }

    /// <summary>Withdraws the caller's vote on <paramref name="issueId"/> before it is revealed.</summary>
    public PokerResult RetractVote(string accountId, string issueId, DateTimeOffset now)
    {
        var check = CheckVoting(accountId, issueId, now, out var round);
        if (check is not null)
        {
            return check;
        }

        Touch(_participants[accountId], now);
        return round!.RemoveVote(accountId) ? Changed() : Unchanged();
    }

    /// <summary>Reveals the current issue's round (facilitator or delegate), whether or not everyone voted.</summary>
    public PokerResult Reveal(string accountId, DateTimeOffset now, long? expectedVersion = null)
    {
        if (Guard(accountId, expectedVersion, Authority.Facilitation) is { } refused)
        {
            return refused;
        }

        if (CurrentIssue.CurrentRound.IsRevealed)
        {
            return Fail(PokerErrorKind.InvalidState, "This round is already revealed.");
        }

        CurrentIssue.CurrentRound.Reveal(now);
        return Changed();
    }

    /// <summary>
    /// Async only: closes voting before the deadline and reveals every issue's current round,
    /// so the facilitator can start reviewing early.
    /// </summary>
    public PokerResult CloseVoting(string accountId, DateTimeOffset now, long? expectedVersion = null)
    {
        if (Guard(accountId, expectedVersion, Authority.Facilitation) is { } refused)
        {
            return refused;
        }

        if (Mode != PokerMode.Async || VotingClosedAt is not null)
        {
            return Fail(PokerErrorKind.InvalidState, "Only open async voting can be closed.");
        }

        CloseAsyncVoting(now);
        return Changed();
    }

    /// <summary>
    /// Starts a new round on the current issue after a reveal. Earlier rounds stay in
    /// <see cref="IssueEstimation.Rounds"/> so the discussion can be seen later.
    /// </summary>
    public PokerResult Revote(string accountId, DateTimeOffset now, long? expectedVersion = null)
    {
        if (Guard(accountId, expectedVersion, Authority.Facilitation) is { } refused)
        {
            return refused;
        }

        if (!CurrentIssue.CurrentRound.IsRevealed)
        {
            return Fail(PokerErrorKind.InvalidState, "Reveal the round before starting a new one.");
        }

        if (IsVotingClosed(now))
        {
            return Fail(PokerErrorKind.InvalidState, "Async voting is closed; revote in a live session.");
        }

        if (CurrentIssue.Rounds.Count >= MaxRoundsPerIssue)
        {
            return Fail(PokerErrorKind.Validation, string.Create(CultureInfo.InvariantCulture, $"An issue has at most {MaxRoundsPerIssue} rounds."));
        }

        CurrentIssue.StartRound(now);
        return Changed();
    }

    /// <summary>Marks the current issue skipped and moves to the next one (if any).</summary>
    public PokerResult Skip(string accountId, DateTimeOffset now, long? expectedVersion = null)
    {
        if (Guard(accountId, expectedVersion, Authority.Facilitation) is { } refused)
        {
            return refused;
        }

        if (CurrentIssue.Accepted is not null)
        {
            return Fail(PokerErrorKind.InvalidState, "An estimated issue cannot be skipped.");
        }

        CurrentIssue.IsSkipped = true;
        if (CurrentIndex < _issues.Count - 1)
        {
            MoveTo(CurrentIndex + 1);
        }

        return Changed();
    }

    /// <summary>Moves to the next issue; refused on the last one.</summary>
    public PokerResult NextIssue(string accountId, DateTimeOffset now, long? expectedVersion = null) =>
        Navigate(accountId, expectedVersion, CurrentIndex + 1, outOfRange: PokerErrorKind.InvalidState);

    /// <summary>Moves to the previous issue; refused on the first one.</summary>
    public PokerResult PreviousIssue(string accountId, DateTimeOffset now, long? expectedVersion = null) =>
        Navigate(accountId, expectedVersion, CurrentIndex - 1, outOfRange: PokerErrorKind.InvalidState);

    /// <summary>Moves to the issue at <paramref name="index"/>; <see cref="PokerErrorKind.NotFound"/> if there is none.</summary>
    public PokerResult GoToIssue(string accountId, int index, DateTimeOffset now, long? expectedVersion = null) =>
        Navigate(accountId, expectedVersion, index, outOfRange: PokerErrorKind.NotFound);

    /// <summary>
    /// Accepts a deck card as <paramref name="issueId"/>'s estimate. The browser saves it to Jira
    /// (the value to a numeric field, the label to a text field); the session records what was
    /// accepted and by whom. <c>?</c> and <c>☕</c> are not estimates.
    /// </summary>
    public PokerResult AcceptEstimate(string accountId, string issueId, string label, DateTimeOffset now, long? expectedVersion = null)
    {
        if (Guard(accountId, expectedVersion, Authority.Facilitation) is { } refused)
        {
            return refused;
        }

        if (FindIssue(issueId) is not { } issue)
        {
            return Fail(PokerErrorKind.NotFound, "No such issue in this session.");
        }

        if (Deck.Find(label) is not { } card || card.IsUnsure || card.IsBreak)
        {
            return Fail(PokerErrorKind.InvalidVote, "Only a card of this deck (not ? or the break card) can be accepted.");
        }

        return Accept(issue, new AcceptedEstimate(card.Label, card.Value, accountId, now, issue.CurrentRound.Number));
    }

    /// <summary>
    /// Accepts a number that need not be on the deck (the team agreed on 4 between 3 and 5).
    /// The label is the card with exactly that value, if one exists.
    /// </summary>
    public PokerResult AcceptValue(string accountId, string issueId, decimal value, DateTimeOffset now, long? expectedVersion = null)
    {
        if (Guard(accountId, expectedVersion, Authority.Facilitation) is { } refused)
        {
            return refused;
        }

        if (FindIssue(issueId) is not { } issue)
        {
            return Fail(PokerErrorKind.NotFound, "No such issue in this session.");
        }

        if (value < 0 || value > MaxAcceptedValue || decimal.Round(value, 2) != value)
        {
            return Fail(PokerErrorKind.Validation, "An estimate is between 0 and 100000 with at most 2 decimals.");
        }

        var label = Deck.NumericCards.FirstOrDefault(c => c.Value == value)?.Label;
        return Accept(issue, new AcceptedEstimate(label, value, accountId, now, issue.CurrentRound.Number));
    }

    /// <summary>Starts (or restarts) the timer; <paramref name="duration"/> defaults to the session setting.</summary>
    public PokerResult StartTimer(string accountId, TimeSpan? duration, DateTimeOffset now, long? expectedVersion = null)
    {
        if (Guard(accountId, expectedVersion, Authority.Facilitation) is { } refused)
        {
            return refused;
        }

        if ((duration ?? Settings.DefaultTimerDuration) is not { } length || !IsValidTimer(length))
        {
            return Fail(PokerErrorKind.Validation, "A timer runs between 5 seconds and 1 hour.");
        }

        TimerEndsAt = now + length;
        return Changed();
    }

    /// <summary>Stops the timer; a success without change if none runs.</summary>
    public PokerResult StopTimer(string accountId, DateTimeOffset now, long? expectedVersion = null)
    {
        if (Guard(accountId, expectedVersion, Authority.Facilitation) is { } refused)
        {
            return refused;
        }

        if (TimerEndsAt is null)
        {
            return Unchanged();
        }

        TimerEndsAt = null;
        return Changed();
    }

    /// <summary>Replaces the delegates (facilitator only: a delegate cannot promote others).</summary>
    public PokerResult SetDelegates(string accountId, IReadOnlyCollection<string> delegateAccountIds, DateTimeOffset now, long? expectedVersion = null)
    {
        if (Guard(accountId, expectedVersion, Authority.FacilitatorOnly) is { } refused)
        {
            return refused;
        }

        if (delegateAccountIds is null || delegateAccountIds.Count > MaxDelegates || delegateAccountIds.Any(d => !IsValidId(d)))
        {
            return Fail(PokerErrorKind.Validation, string.Create(CultureInfo.InvariantCulture, $"Up to {MaxDelegates} delegates with valid account ids are allowed."));
        }

        var wanted = delegateAccountIds.Where(d => !string.Equals(d, FacilitatorAccountId, StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        if (wanted.SetEquals(_delegates))
        {
            return Unchanged();
        }

        _delegates.Clear();
        _delegates.UnionWith(wanted);
        return Changed();
    }

    /// <summary>Ends the session for good (facilitator only). Everything after is refused as <see cref="PokerErrorKind.InvalidState"/>.</summary>
    public PokerResult EndSession(string accountId, DateTimeOffset now, long? expectedVersion = null)
    {
        if (Guard(accountId, expectedVersion, Authority.FacilitatorOnly) is { } refused)
        {
            return refused;
        }

        Status = SessionStatus.Ended;
        EndedAt = now;
        TimerEndsAt = null;
        return Changed();
    }

    /// <summary>
    /// Lets time act: at the async deadline, closes voting and reveals every round; in live mode,
    /// auto-reveals if every present voter has voted (a silent voter may have gone absent). The
    /// host calls it at <see cref="RevealDueAt"/> and periodically. It is the clock, not a person,
    /// so on an ended session it is a success without change rather than an error.
    /// </summary>
    public PokerResult Tick(DateTimeOffset now)
    {
        if (Status == SessionStatus.Ended)
        {
            return Unchanged();
        }

        if (Mode == PokerMode.Async && VotingClosedAt is null && now >= AsyncDeadline)
        {
            CloseAsyncVoting(now);
            return Changed();
        }

        return TryAutoReveal(now) ? Changed() : Unchanged();
    }

    /// <summary>
    /// The snapshot <paramref name="accountId"/> may see at <paramref name="now"/>. Unrevealed
    /// rounds show who has voted and the viewer's own card, never anyone else's; this method is
    /// the only way session state should leave the server.
    /// </summary>
    public SessionView ForViewer(string accountId, DateTimeOffset now) => SessionView.Project(this, accountId, now);

    internal static bool IsValidId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= MaxIdLength && !id.Any(c => char.IsControl(c) || char.IsWhiteSpace(c));

    private static bool IsValidTimer(TimeSpan length) => length >= MinTimerDuration && length <= MaxTimerDuration;

    private PokerError? CheckVotingCore(string accountId, string issueId, DateTimeOffset now, out PokerRound? round)
    {
        round = null;
        if (Status == SessionStatus.Ended)
        {
            return new PokerError(PokerErrorKind.InvalidState, "The session has ended.");
        }

        if (FindParticipant(accountId) is not { } participant)
        {
            return new PokerError(PokerErrorKind.Forbidden, "Join the session before voting.");
        }

        if (participant.Role == ParticipantRole.Observer)
        {
            return new PokerError(PokerErrorKind.InvalidState, "Observers do not vote.");
        }

        if (FindIssue(issueId) is not { } issue)
        {
            return new PokerError(PokerErrorKind.NotFound, "No such issue in this session.");
        }

        if (Mode == PokerMode.Live && !ReferenceEquals(issue, CurrentIssue))
        {
            return new PokerError(PokerErrorKind.InvalidState, "Voting has moved to another issue.");
        }

        if (IsVotingClosed(now))
        {
            return new PokerError(PokerErrorKind.InvalidState, "Voting is closed.");
        }

        if (issue.CurrentRound.IsRevealed)
        {
            return new PokerError(PokerErrorKind.InvalidState, "This round is already revealed.");
        }

        round = issue.CurrentRound;
        return null;
    }

    private PokerResult? CheckVoting(string accountId, string issueId, DateTimeOffset now, out PokerRound? round)
    {
        var error = CheckVotingCore(accountId, issueId, now, out round);
        return error is null ? null : new PokerResult(error, false, Version);
    }

    private PokerResult? Guard(string accountId, long? expectedVersion, Authority authority)
    {
        if (Status == SessionStatus.Ended)
        {
            return Ended();
        }

        var allowed = authority switch
        {
            Authority.FacilitatorOnly => string.Equals(accountId, FacilitatorAccountId, StringComparison.Ordinal),
            Authority.Facilitation => CanFacilitate(accountId),
            _ => FindParticipant(accountId) is not null,
        };
        if (!allowed)
        {
            return Fail(PokerErrorKind.Forbidden, authority == Authority.FacilitatorOnly
                ? "Only the facilitator may do this."
                : "Only the facilitator or a delegate may do this.");
        }

        if (expectedVersion is { } expected && expected != Version)
        {
            return new PokerResult(new PokerConflict(expected, Version), false, Version);
        }

        return null;
    }

    private PokerResult Navigate(string accountId, long? expectedVersion, int index, PokerErrorKind outOfRange)
    {
        if (Guard(accountId, expectedVersion, Authority.Facilitation) is { } refused)
        {
            return refused;
        }

        if (index < 0 || index >= _issues.Count)
        {
            return Fail(outOfRange, outOfRange == PokerErrorKind.NotFound
                ? "There is no issue at that position."
                : "There is no issue in that direction.");
        }

        if (index == CurrentIndex)
        {
            return Unchanged();
        }

        MoveTo(index);
        return Changed();
    }

    // A timer belongs to the discussion of one issue, so moving on stops it.
    private void MoveTo(int index)
    {
        CurrentIndex = index;
        TimerEndsAt = null;
    }

    private PokerResult Accept(IssueEstimation issue, AcceptedEstimate estimate)
    {
        issue.Accepted = estimate;
        issue.IsSkipped = false;
        return Changed();
    }

    private void CloseAsyncVoting(DateTimeOffset now)
    {
        VotingClosedAt = now;
        foreach (var issue in _issues.Where(i => !i.CurrentRound.IsRevealed))
        {
            issue.CurrentRound.Reveal(now);
        }
    }

    private bool TryAutoReveal(DateTimeOffset now)
    {
        if (!Settings.AutoReveal || Mode != PokerMode.Live || Status != SessionStatus.Active)
        {
            return false;
        }

        var round = CurrentIssue.CurrentRound;
        if (round.IsRevealed || round.Votes.Count == 0)
        {
            return false;
        }

        var presentVoters = _participants.Values
            .Where(p => p.Role == ParticipantRole.Voter && p.IsPresent(now, Settings.PresenceWindow))
            .ToList();
        if (presentVoters.Count == 0 || !presentVoters.TrueForAll(p => round.Votes.ContainsKey(p.AccountId)))
        {
            return false;
        }

        round.Reveal(now);
        return true;
    }

    private static void Touch(Participant participant, DateTimeOffset now)
    {
        if (now > participant.LastSeen)
        {
            participant.LastSeen = now;
        }
    }

    private PokerResult Changed()
    {
        Version++;
        return new PokerResult(null, true, Version);
    }

    private PokerResult Unchanged() => new(null, false, Version);

    private PokerResult Fail(PokerErrorKind kind, string message) => new(new PokerError(kind, message), false, Version);

    private PokerResult Ended() => Fail(PokerErrorKind.InvalidState, "The session has ended.");
}
