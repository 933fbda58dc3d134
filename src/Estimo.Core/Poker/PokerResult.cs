namespace Estimo.Core.Poker;

/// <summary>
/// The kinds of refusal, one per HTTP status family the endpoints map them to (404, 403, 422,
/// 409, 409, 400), so the mapping lives in one switch instead of in every endpoint.
/// </summary>
public enum PokerErrorKind
{
    /// <summary>The issue (or participant) does not exist in this session.</summary>
    NotFound,

    /// <summary>The caller may not do this (not the facilitator or a delegate, or not joined).</summary>
    Forbidden,

    /// <summary>The vote is not a card of the session's deck (or not an acceptable estimate).</summary>
    InvalidVote,

    /// <summary>The caller acted on a stale view: the version it saw is not the current one.</summary>
    Conflict,

    /// <summary>The action is not possible now (voting after reveal, observer voting, ended session…).</summary>
    InvalidState,

    /// <summary>An input is malformed or out of bounds.</summary>
    Validation,
}

/// <summary>
/// Why a session operation was refused. Subtypes allow pattern matching on the kinds that carry
/// extra data (<see cref="PokerConflict"/>); <see cref="Kind"/> allows a flat switch.
/// </summary>
/// <param name="Kind">The kind of refusal.</param>
/// <param name="Message">An English explanation for logs and API clients; never contains vote values.</param>
public record PokerError(PokerErrorKind Kind, string Message);

/// <summary>The caller's expected version did not match; it should refresh and decide again.</summary>
/// <param name="Expected">The version the caller saw.</param>
/// <param name="Actual">The session's current version.</param>
public sealed record PokerConflict(long Expected, long Actual)
    : PokerError(PokerErrorKind.Conflict, $"The session changed (you saw version {Expected}, it is now {Actual}); refresh and try again.");

/// <summary>
/// The outcome of a session operation: success (possibly without a change) or a typed error.
/// </summary>
/// <param name="Error">Why the operation was refused, or <see langword="null"/> on success.</param>
/// <param name="Changed">Whether the session changed (and so its version was bumped and listeners should be told).</param>
/// <param name="Version">The session's version after the operation.</param>
public sealed record PokerResult(PokerError? Error, bool Changed, long Version)
{
    /// <summary>Whether the operation succeeded.</summary>
    public bool IsSuccess => Error is null;

    /// <summary>The kind of error, or <see langword="null"/> on success; handy in tests and switches.</summary>
    public PokerErrorKind? ErrorKind => Error?.Kind;
}

/// <summary>The outcome of an operation that produces a value (creating a session, a record).</summary>
/// <typeparam name="T">The value's type.</typeparam>
/// <param name="Value">The value on success.</param>
/// <param name="Error">Why it failed, or <see langword="null"/> on success.</param>
public sealed record PokerResult<T>(T? Value, PokerError? Error)
    where T : class
{
    /// <summary>Whether the operation succeeded.</summary>
    public bool IsSuccess => Error is null;
}
