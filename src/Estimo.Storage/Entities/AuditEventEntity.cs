namespace Estimo.Storage.Entities;

/// <summary>
/// A row of <c>audit_events</c>: append-only record of an operator action. Rows are only
/// ever inserted; a later change will chain them with hashes.
/// </summary>
internal sealed class AuditEventEntity
{
    public long Id { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    /// <summary>Who acted: the OS user running the operator CLI.</summary>
    public required string Actor { get; set; }

    /// <summary>What was done, e.g. <c>keys.rewrap.completed</c>.</summary>
    public required string Action { get; set; }

    /// <summary>What it was done to, e.g. an installation id, a KEK id or <c>all</c>.</summary>
    public required string Subject { get; set; }

    /// <summary>Facts as a JSON object (key ids, row counts); never secrets.</summary>
    public required string Details { get; set; }
}
