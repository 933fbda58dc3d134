using System.Globalization;
using Estimo.Storage.Backups;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Backups;

/// <summary>
/// Backups on <c>/health/detail</c> (the loopback management listener), not on readiness:
/// <list type="bullet">
/// <item>the newest restore drill failed → <b>Unhealthy</b> (the detail endpoint answers 503,
/// which operators' monitoring pages on) while <c>/health/ready</c> stays 200, because a bad
/// backup must not take a serving instance out of the load balancer;</item>
/// <item>no backup for two days while scheduled backups are on → Degraded;</item>
/// <item>otherwise Healthy, with the newest backup and drill as data.</item>
/// </list>
/// The facts come from the audit log, so every instance reports the same, whichever took the backup.
/// </summary>
internal sealed class BackupHealthCheck(BackupService backups, TimeProvider time, IOptions<BackupOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = await backups.GetStatusAsync(cancellationToken);
        var data = new Dictionary<string, object>
        {
            ["target"] = backups.TargetDescription,
            ["lastBackupId"] = status.LastBackupId ?? "none",
            ["lastBackupAt"] = status.LastBackupAt?.ToString("O", CultureInfo.InvariantCulture) ?? "never",
        };
        if (status.LastDrill is { } drill)
        {
            data["lastDrillBackupId"] = drill.BackupId;
            data["lastDrillAt"] = drill.At.ToString("O", CultureInfo.InvariantCulture);
            data["lastDrillOutcome"] = drill.Succeeded ? "success" : "failure";
            if (!drill.Succeeded)
            {
                return HealthCheckResult.Unhealthy($"The restore drill of backup {drill.BackupId} failed: {drill.Reason}", data: data);
            }
        }

        if (options.Value.Enabled && (status.LastBackupAt is null || time.GetUtcNow() - status.LastBackupAt > TimeSpan.FromDays(2)))
        {
            // A new deployment has no backup until the first occurrence: say when that is.
            var next = Cronos.CronExpression.Parse(options.Value.Schedule).GetNextOccurrence(time.GetUtcNow().UtcDateTime);
            var when = next is { } at ? $" The next is scheduled for {at.ToString("u", CultureInfo.InvariantCulture)}." : string.Empty;
            return HealthCheckResult.Degraded(
                (status.LastBackupAt is null ? "No backup has been taken yet." : "No backup in the last two days.") + when + " 'estimo-ops backup run' takes one now.",
                data: data);
        }

        return HealthCheckResult.Healthy("Backups and restore drills are passing.", data);
    }
}
