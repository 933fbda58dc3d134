using System.Text.Json.Nodes;
using Estimo.Storage.Entities;

namespace Estimo.Storage.Security;

/// <summary>
/// Appends to <c>audit_events</c>. Audit is data, not logging: callers write the record
/// before (or in the same transaction as) the action, so a failed audit write aborts it.
/// The chain fields and the operator identity are filled in when the record is saved.
/// </summary>
internal static class AuditLog
{
    /// <summary>Installation ids as Forge issues them; a record whose subject is one is scoped to that installation.</summary>
    private const string InstallationIdPrefix = "ari:cloud:ecosystem::installation/";

    /// <summary>Adds a record to <paramref name="db"/>; it is written by the caller's next save.</summary>
    public static AuditEventEntity Add(EstimoDbContext db, DateTimeOffset occurredAt, string actor, string action, string subject, JsonObject details) =>
        Add(db, occurredAt, actor, action, subject, details, subject.StartsWith(InstallationIdPrefix, StringComparison.Ordinal) ? subject : null);

    /// <summary>Adds a record about one installation's data (shown to that installation's site admins).</summary>
    public static AuditEventEntity Add(EstimoDbContext db, DateTimeOffset occurredAt, string actor, string action, string subject, JsonObject details, string? installationId)
    {
        var entity = new AuditEventEntity
        {
            OccurredAt = StorageTime.Normalize(occurredAt),
            Actor = actor,
            Action = action,
            Subject = subject,
            Details = details.ToJsonString(),
            InstallationId = installationId,
        };
        db.AuditEvents.Add(entity);
        return entity;
    }
}
