namespace Estimo.Storage.Backups;

/// <summary>The outcome of one backup.</summary>
public sealed record BackupResult(
    string Id,
    bool Skipped,
    DateTimeOffset CreatedAt,
    IReadOnlyDictionary<string, long> Tables,
    long Bytes,
    int EscrowedInstallations,
    TimeSpan Duration,
    IReadOnlyList<string> Deleted);

/// <summary>A backup in the target.</summary>
public sealed record BackupListing(string Id, DateTimeOffset CreatedAt);

/// <summary>A backup whose every chunk authenticated and whose digests and counts match its manifest.</summary>
public sealed record BackupVerification(string Id, BackupManifest Manifest, long Bytes);

/// <summary>What a restore did, table by table.</summary>
public sealed record RestoreReport(
    string Id,
    bool DryRun,
    string SchemaName,
    IReadOnlyList<RestoredTable> Tables,
    int InstallationsSkippedAsPurged,
    int InstallationsWithoutKeys,
    TimeSpan Duration)
{
    /// <summary>True when every table got exactly the rows its manifest promises (less the purged installations' rows).</summary>
    public bool CountsMatch => Tables.All(t => t.Restored + t.SkippedAsPurged == t.InManifest);
}

/// <summary>One table of a restore: rows the manifest lists, rows written, rows left out because their installation was purged.</summary>
public sealed record RestoredTable(string Name, long InManifest, long Restored, long SkippedAsPurged);

/// <summary>The result of a restore drill.</summary>
public sealed record DrillReport(string Id, DateTimeOffset At, bool Succeeded, TimeSpan Duration, int ValuesDecrypted, string? Reason, RestoreReport? Restore);
