namespace Estimo.Storage.Entities;

/// <summary>A row of <c>operators</c>: a person allowed to run the operator CLI.</summary>
internal sealed class OperatorEntity
{
    /// <summary>The pseudonymous public id (<c>op-</c> + 12 hex digits) customers see in the access-transparency view.</summary>
    public required string Id { get; set; }

    /// <summary>The OS account the person logs in with; unique.</summary>
    public required string OsUser { get; set; }

    public required string DisplayName { get; set; }

    public Access.OperatorRole Role { get; set; }

    public bool Active { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<OperatorKeyEntity> Keys { get; } = [];
}

/// <summary>A row of <c>operator_keys</c>: an SSH public key fingerprint registered to an operator.</summary>
internal sealed class OperatorKeyEntity
{
    public required string OperatorId { get; set; }

    /// <summary><c>SHA256:</c> + 43 characters of unpadded base64, as <c>ssh-keygen -lf</c> prints it.</summary>
    public required string Fingerprint { get; set; }

    public DateTimeOffset AddedAt { get; set; }
}

/// <summary>A row of <c>support_grants</c>: time-boxed permission for one operator to touch one installation's data.</summary>
internal sealed class SupportGrantEntity
{
    /// <summary><c>grant-</c> + 12 hex digits.</summary>
    public required string Id { get; set; }

    public required string OperatorId { get; set; }

    public required string InstallationId { get; set; }

    public required string Reason { get; set; }

    public required string Ticket { get; set; }

    public Access.GrantScope Scope { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Whether the two-person rule was on when the grant was requested (then it needs an approval to be active).</summary>
    public bool RequiresApproval { get; set; }

    public string? ApprovedBy { get; set; }

    public DateTimeOffset? ApprovedAt { get; set; }

    public string? RevokedBy { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
