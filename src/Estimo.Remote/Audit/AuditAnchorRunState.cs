using Estimo.Storage.Backups;

namespace Estimo.Remote.Audit;

/// <summary>
/// How this instance's last anchoring run ended, for <see cref="AuditAnchorHealthCheck"/>: the
/// exception type of a failure, and the operator-facing message when the anchor store refused
/// to keep anchors write-once (<see cref="AuditAnchorRetentionException"/>, a bucket without
/// Object Lock), which retrying never fixes. Per instance, in memory; a success clears it.
/// </summary>
internal sealed class AuditAnchorRunState
{
    private volatile Failure? _last;

    /// <summary>The last run's failure; null when it succeeded or none ran yet.</summary>
    public Failure? LastFailure => _last;

    public void Succeeded() => _last = null;

    public void Failed(DateTimeOffset at, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        _last = new Failure(at, exception.GetType().Name, exception is AuditAnchorRetentionException refused ? refused.Message : null);
    }

    /// <param name="At">When the run failed.</param>
    /// <param name="ExceptionType">The exception's type name (never its message: it may name anything).</param>
    /// <param name="RetentionRefused">The store's one-line message when it refused write-once retention.</param>
    internal sealed record Failure(DateTimeOffset At, string ExceptionType, string? RetentionRefused);
}
