using System.Text.Json.Nodes;
using Estimo.Storage.Entities;

namespace Estimo.Storage.Security;

/// <summary>
/// Appends to <c>audit_events</c>. Audit is data, not logging: callers write the record
/// before (or in the same transaction as) the action, so a failed audit write aborts it.
/// </summary>
internal static class AuditLog
{
    /// <summary>Adds a record to <paramref name="db"/>; it is written by the caller's next save.</summary>
    public static AuditEventEntity Add(EstimoDbContext db, DateTimeOffset occurredAt, string actor, string action, string subject, JsonObject details)
    {
        var entity = new AuditEventEntity
        {
            OccurredAt = StorageTime.Normalize(occurredAt),
            Actor = actor,
            Action = action,
            Subject = subject,
            Details = details.ToJsonString(),
        };
        db.AuditEvents.Add(entity);
        return entity;
    }
}
