using System.Text.Json.Nodes;
using Estimo.Storage.Security;
using Microsoft.EntityFrameworkCore;

namespace Estimo.Storage.Access;

/// <summary>Writes a refusal to the audit chain, then throws it: every refused operator action leaves a record.</summary>
internal static class AccessAudit
{
    public const string RefusedAction = "access.refused";

    public static async Task<AccessDeniedException> RefuseAsync(
        IDbContextFactory<EstimoDbContext> contexts,
        TimeProvider time,
        string actor,
        string attempted,
        string subject,
        string reason,
        string? installationId,
        CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        AuditLog.Add(db, time.GetUtcNow(), actor, RefusedAction, subject, new JsonObject { ["attempted"] = attempted, ["reason"] = reason }, installationId);
        await db.SaveChangesAsync(cancellationToken);
        return new AccessDeniedException(reason);
    }
}
