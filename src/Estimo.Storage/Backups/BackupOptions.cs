namespace Estimo.Storage.Backups;

/// <summary>Where backups go.</summary>
public enum BackupTargetKind
{
    /// <summary>A local directory (<see cref="BackupOptions.Directory"/>), the default.</summary>
    Local = 0,

    /// <summary>An S3 bucket, with server-side encryption under a KMS key.</summary>
    S3 = 1,
}

/// <summary>Settings of the <c>Backups</c> configuration section.</summary>
public sealed class BackupOptions
{
    public const string SectionName = "Backups";

    /// <summary>Run the scheduler in the remote. The operator CLI works either way.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Cron expression (5 fields, UTC) of scheduled backups; every day at 03:00 by default.</summary>
    public string Schedule { get; set; } = "0 3 * * *";

    public BackupTargetKind Target { get; set; } = BackupTargetKind.Local;

    /// <summary>
    /// The local target, and the working space of every backup (the encrypted payload before
    /// it is assembled, downloads from S3, SQLite scratch databases of drills and dry runs).
    /// Defaults to <c>backups</c> beside the data directory (<c>.estimo/backups</c>); a relative
    /// path is resolved against the content root (or current directory). Created 0700; files 0600.
    /// </summary>
    public string? Directory { get; set; }

    public S3BackupOptions S3 { get; set; } = new();

    public BackupRetentionOptions Retention { get; set; } = new();

    /// <summary>Restore each scheduled backup into a scratch database right after it is taken.</summary>
    public bool DrillAfterBackup { get; set; } = true;

    /// <summary>Sealed values the drill decrypts (spread over the backup's tables).</summary>
    public int DrillSampleSize { get; set; } = 50;
}

/// <summary>Settings of <c>Backups:S3</c>.</summary>
public sealed class S3BackupOptions
{
    public string? Bucket { get; set; }

    /// <summary>The bucket's region; must be one of <c>Residency:AllowedRegions</c> when that is set.</summary>
    public string? Region { get; set; }

    /// <summary>Key prefix of backups.</summary>
    public string Prefix { get; set; } = "backups/";

    /// <summary>
    /// Key prefix of the key escrow. It must not keep noncurrent versions (see docs/operations.md):
    /// an old escrow version would still hold a purged installation's data keys.
    /// </summary>
    public string EscrowPrefix { get; set; } = "key-escrow/";

    /// <summary>
    /// Key prefix of exported audit-chain anchors. Each is written under S3 Object Lock
    /// (compliance mode, <see cref="AnchorRetention"/>) and the task role is denied
    /// <c>s3:DeleteObject</c> on it (see docs/access.md): anchors only catch a rewritten audit log
    /// while whoever can write the database cannot delete them.
    /// </summary>
    public string AnchorPrefix { get; set; } = "audit-anchors/";

    /// <summary>
    /// How long each exported anchor is write-once: anchors are written with S3 Object Lock in
    /// COMPLIANCE mode, retained until their upload time plus this (no one, the root account
    /// included, can delete or shorten it before then). Between 1 and 3650 days; 400 by default
    /// (more than a year of audit history stays provable). Needs a bucket created with Object
    /// Lock enabled; backups and the key escrow are never locked.
    /// </summary>
    public TimeSpan AnchorRetention { get; set; } = DefaultAnchorRetention;

    public static readonly TimeSpan DefaultAnchorRetention = TimeSpan.FromDays(400);

    /// <summary>The KMS key (ARN or id) S3 encrypts objects under (SSE-KMS).</summary>
    public string? KmsKeyId { get; set; }

    /// <summary>Endpoint override (VPC endpoint; the contract tests' local server).</summary>
    public Uri? ServiceUrl { get; set; }

    /// <summary>Path-style addressing (needed by the contract tests' local server).</summary>
    public bool ForcePathStyle { get; set; }
}

/// <summary>Settings of <c>Backups:Retention</c>.</summary>
public sealed class BackupRetentionOptions
{
    /// <summary>Every backup younger than this many days is kept.</summary>
    public int DailyDays { get; set; } = 35;

    /// <summary>The first backup of each of this many calendar months (the current one included) is kept.</summary>
    public int MonthlyMonths { get; set; } = 12;
}
