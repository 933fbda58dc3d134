namespace Estimo.Storage.Security;

/// <summary>
/// Who is acting, for every audit record written in the current asynchronous flow: the
/// operator CLI sets it once after it has authenticated the operator, and
/// <see cref="EstimoDbContext"/> stamps it onto each <c>audit_events</c> row it saves, so
/// callers of <c>AuditLog.Add</c> (keys, backups, purges) record the operator without
/// passing it along.
/// </summary>
public static class AuditContext
{
    private static readonly AsyncLocal<AuditActor?> CurrentActor = new();

    /// <summary>The actor of the current flow, or null (the remote, tests, the bootstrap).</summary>
    public static AuditActor? Current => CurrentActor.Value;

    /// <summary>Makes <paramref name="actor"/> current until the returned scope is disposed.</summary>
    public static IDisposable Use(AuditActor actor)
    {
        var previous = CurrentActor.Value;
        CurrentActor.Value = actor;
        return new Scope(previous);
    }

    private sealed class Scope(AuditActor? previous) : IDisposable
    {
        public void Dispose() => CurrentActor.Value = previous;
    }
}

/// <summary>An authenticated operator: pseudonymous id and, inside SSH, the key fingerprint used to log in.</summary>
public sealed record AuditActor(string OperatorId, string? SshKeyFingerprint);
