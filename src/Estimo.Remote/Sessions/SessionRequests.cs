namespace Estimo.Remote.Sessions;

internal sealed record IssueReference(string? Id, string? Key);

internal sealed record CardRequest(string? Label, decimal? Value);

internal sealed record SourceRequest(string? Kind, long? SprintId, string? Jql);

internal sealed record CreateSessionRequest(
    string? ProjectKey,
    long? BoardId,
    SourceRequest? Source,
    IReadOnlyList<IssueReference>? Issues,
    string? DeckId,
    IReadOnlyList<CardRequest>? CustomCards,
    string? EstimationFieldId,
    string? Mode,
    DateTimeOffset? AsyncDeadline,
    bool? AutoReveal,
    int? TimerSeconds,
    IReadOnlyList<string>? DelegateAccountIds);

internal sealed record JoinRequest(string? Role);

internal sealed record VoteRequest(string? IssueId, string? Label);

internal sealed record ActionRequest(string? Action, long? ExpectedVersion, int? Index, int? Seconds);

internal sealed record AcceptRequest(string? IssueId, string? Label, decimal? Value, long? ExpectedVersion);

internal sealed record DelegatesRequest(IReadOnlyList<string>? AccountIds, long? ExpectedVersion);
