namespace Estimo.Storage.Entities;

/// <summary>
/// A row of <c>audit_events</c>: an append-only, hash-chained record of an operator or
/// system action. <see cref="Sequence"/>, <see cref="PrevHash"/> and <see cref="Hash"/> are
/// computed by <see cref="EstimoDbContext"/> when the row is saved (see
/// <see cref="Security.AuditChain"/>); callers never set them.
/// </summary>
internal sealed class AuditEventEntity
{
    public long Id { get; set; }

    /// <summary>Position in the chain, 1, 2, 3… without gaps; null only for rows written before chaining existed and not yet sealed.</summary>
    public long? Sequence { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    /// <summary>Who acted: the OS user running the operator CLI, or <c>remote</c>.</summary>
    public required string Actor { get; set; }

    /// <summary>What was done, e.g. <c>keys.rewrap.completed</c>.</summary>
    public required string Action { get; set; }

    /// <summary>What it was done to, e.g. an installation id, a KEK id or <c>all</c>.</summary>
    public required string Subject { get; set; }

    /// <summary>Facts as a JSON object (key ids, row counts); never secrets.</summary>
    public required string Details { get; set; }

    /// <summary>The installation whose data the action concerned, for the customer's access-transparency view; null for system-wide actions.</summary>
    public string? InstallationId { get; set; }

    /// <summary>The pseudonymous public id of the operator (<c>op-…</c>), from the ambient <see cref="Security.AuditContext"/>.</summary>
    public string? OperatorId { get; set; }

    /// <summary>The SHA-256 fingerprint of the SSH key the operator logged in with, when the CLI ran in an SSH session.</summary>
    public string? SshKeyFingerprint { get; set; }

    /// <summary>Hex SHA-256 of the previous record (64 zeros for the first).</summary>
    public string? PrevHash { get; set; }

    /// <summary>Hex SHA-256 over this record's canonical encoding, <see cref="PrevHash"/> included.</summary>
    public string? Hash { get; set; }
}
