using System.Diagnostics.Metrics;

namespace Estimo.Core.Diagnostics;

/// <summary>
/// Instruments that code outside the remote's host feeds (meter <c>Estimo.Operations</c>):
/// key-provider calls (the encryption seam), backup age and restore-drill outcomes. They live in
/// Core so that Storage and the operator CLI can record without referencing the remote; the
/// remote exports them with its own. Label values must be constants chosen by the caller (a
/// provider name, an operation, an outcome), never data.
/// </summary>
public static class OperationalMetrics
{
    /// <summary>The meter's name, for exporters.</summary>
    public const string MeterName = "Estimo.Operations";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> KeyProviderCalls = Meter.CreateCounter<long>(
        "estimo.keys.provider.calls", unit: "{call}", description: "Calls to the key provider (local key file, KMS), by provider, operation and outcome.");

    private static readonly Counter<long> RestoreDrills = Meter.CreateCounter<long>(
        "estimo.restore_drill.runs", unit: "{run}", description: "Restore drills run, by outcome (success, failure).");

    private static long _lastBackupTicks;

    static OperationalMetrics()
    {
        Meter.CreateObservableGauge(
            "estimo.backup.age",
            () => Interlocked.Read(ref _lastBackupTicks) is var ticks and > 0
                ? [new Measurement<double>((DateTimeOffset.UtcNow - new DateTimeOffset(ticks, TimeSpan.Zero)).TotalSeconds)]
                : Array.Empty<Measurement<double>>(),
            unit: "s",
            description: "Seconds since the newest successful backup; absent until one is recorded.");
    }

    /// <summary>Records one call to a key provider, e.g. <c>("kms", "decrypt", true)</c>.</summary>
    public static void KeyProviderCalled(string provider, string operation, bool succeeded) =>
        KeyProviderCalls.Add(
            1,
            new KeyValuePair<string, object?>("provider", provider),
            new KeyValuePair<string, object?>("operation", operation),
            new KeyValuePair<string, object?>("outcome", succeeded ? "success" : "failure"));

    /// <summary>Records that a backup completed at <paramref name="completedAt"/>; the age gauge counts from it.</summary>
    public static void BackupCompleted(DateTimeOffset completedAt)
    {
        var ticks = completedAt.UtcTicks;
        long current;
        do
        {
            current = Interlocked.Read(ref _lastBackupTicks);
            if (current >= ticks)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _lastBackupTicks, ticks, current) != current);
    }

    /// <summary>Records the outcome of one restore drill.</summary>
    public static void RestoreDrillFinished(bool succeeded) =>
        RestoreDrills.Add(1, new KeyValuePair<string, object?>("outcome", succeeded ? "success" : "failure"));
}
