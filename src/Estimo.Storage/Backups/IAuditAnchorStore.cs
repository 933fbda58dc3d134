using Estimo.Storage.Security;

namespace Estimo.Storage.Backups;

/// <summary>
/// Exported audit-chain anchors, kept where backups go but under a name space of their own
/// (<c>audit-anchors/</c> in the backup directory; <c>Backups:S3:AnchorPrefix</c> in S3), one
/// small object per anchor, <c>&lt;sequence, 20 digits&gt;.json</c> holding the anchor's JSON
/// line. Backup retention never lists or deletes them. In S3 each anchor is written under
/// Object Lock in compliance mode (<c>Backups:S3:AnchorRetention</c>) and the task role cannot
/// delete under the prefix: an anchor is only worth something while someone with database
/// access cannot remove it.
/// </summary>
public interface IAuditAnchorStore
{
    /// <summary>The folder/prefix the anchors are in: <c>local:/path/audit-anchors</c>, <c>s3://bucket/audit-anchors/</c>.</summary>
    string AnchorsDescription { get; }

    /// <summary>Stores the anchor under its name (whole or not at all).</summary>
    Task PutAnchorAsync(AuditAnchor anchor, CancellationToken cancellationToken);

    /// <summary>True when the anchor of <paramref name="sequence"/> has been exported.</summary>
    Task<bool> HasAnchorAsync(long sequence, CancellationToken cancellationToken);

    /// <summary>Every exported anchor in sequence order; an object that does not parse comes back with a null anchor.</summary>
    Task<IReadOnlyList<ExportedAuditAnchor>> ReadAnchorsAsync(CancellationToken cancellationToken);
}

/// <summary>One exported anchor object: its name and its anchor, null when it is not one (damaged or edited).</summary>
public sealed record ExportedAuditAnchor(string Name, AuditAnchor? Anchor);

/// <summary>Names of exported anchors.</summary>
public static class AuditAnchorNames
{
    /// <summary>The folder (local) or key prefix part (S3) anchors are kept under.</summary>
    public const string Folder = "audit-anchors";

    public const string Extension = ".json";

    /// <summary><c>00000000000000000042.json</c>: sorts by sequence.</summary>
    public static string For(long sequence) => sequence.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) + Extension;

    /// <summary>Parses an anchor object's content; null unless it is one anchor whose sequence matches its name.</summary>
    public static AuditAnchor? Parse(string name, string content)
    {
        var anchor = AuditAnchor.FromJsonLine(content.Trim());
        return anchor is not null && string.Equals(For(anchor.Sequence), name, StringComparison.Ordinal) ? anchor : null;
    }
}
