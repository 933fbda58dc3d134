namespace Estimo.Storage.Access;

/// <summary>Settings under <c>Access</c>: how support grants work.</summary>
public sealed class AccessOptions
{
    public const string SectionName = "Access";

    /// <summary>When true, a grant is active only after a second support engineer approves it.</summary>
    public bool TwoPersonRule { get; set; }

    /// <summary>How long a grant lasts when the request names no duration.</summary>
    public TimeSpan DefaultGrantDuration { get; set; } = TimeSpan.FromHours(4);

    /// <summary>The longest a grant may last (the published maximum is 24 hours).</summary>
    public TimeSpan MaxGrantDuration { get; set; } = TimeSpan.FromHours(24);
}
