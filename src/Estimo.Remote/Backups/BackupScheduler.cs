using Cronos;
using Estimo.Core.Diagnostics;
using Estimo.Storage.Backups;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Backups;

/// <summary>
/// Takes a backup at every occurrence of <c>Backups:Schedule</c> (cron, UTC; daily at 03:00 by
/// default), then restores it into a scratch database (the drill). Every instance runs this;
/// the backup lock and the occurrence's fixed id make exactly one of them take each backup.
/// At start-up, an instance that finds the previous occurrence (within two days) without a
/// backup, although earlier backups exist (all instances were down then), takes it at once, so
/// an outage at backup time does not stretch the RPO by a day. A new deployment waits for its
/// first occurrence.
/// </summary>
internal sealed partial class BackupScheduler(
    BackupService backups,
    TimeProvider time,
    IOptions<BackupOptions> options,
    ILogger<BackupScheduler> log) : BackgroundService
{
    private static readonly TimeSpan GaugeRefresh = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            SchedulerDisabled(log);
            return;
        }

        var cron = CronExpression.Parse(settings.Schedule);
        var last = await LastBackupAsync(stoppingToken);
        var now = time.GetUtcNow();
        var missed = cron.GetOccurrences(now.UtcDateTime.AddDays(-2), now.UtcDateTime, fromInclusive: true, toInclusive: true).LastOrDefault();
        if (missed != default && last is not null && last < new DateTimeOffset(missed, TimeSpan.Zero))
        {
            await RunOnceAsync(new DateTimeOffset(missed, TimeSpan.Zero), stoppingToken);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var next = cron.GetNextOccurrence(time.GetUtcNow().UtcDateTime);
            if (next is null)
            {
                return;
            }

            var occurrence = new DateTimeOffset(next.Value, TimeSpan.Zero);
            for (var wait = occurrence - time.GetUtcNow(); wait > TimeSpan.Zero; wait = occurrence - time.GetUtcNow())
            {
                // Wake up now and then to follow backups other instances take, so every
                // instance's backup-age gauge is right (the alarm takes the maximum).
                await Task.Delay(wait < GaugeRefresh ? wait : GaugeRefresh, time, stoppingToken);
                await LastBackupAsync(stoppingToken);
            }

            await RunOnceAsync(occurrence, stoppingToken);
        }
    }

    /// <summary>One scheduled backup and its drill; failures are logged, never thrown (the next occurrence tries again).</summary>
    internal async Task RunOnceAsync(DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        try
        {
            var result = await backups.BackupAsync(BackupService.SchedulerActor, occurrence, cancellationToken);
            if (result.Skipped || !options.Value.DrillAfterBackup)
            {
                return;
            }

            // DrillAsync records its outcome itself (audit, metric, an error log when it fails).
            await backups.DrillAsync(result.Id, BackupService.SchedulerActor, cancellationToken);
        }
        catch (BackupException ex) when (ex.Message.StartsWith("another backup is running", StringComparison.Ordinal))
        {
            AnotherInstanceIsBackingUp(log, occurrence);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            ScheduledBackupFailed(log, occurrence, ex.GetType().Name, ex.Message);
        }
    }

    private async Task<DateTimeOffset?> LastBackupAsync(CancellationToken cancellationToken)
    {
        try
        {
            var status = await backups.GetStatusAsync(cancellationToken);
            if (status.LastBackupAt is { } at)
            {
                OperationalMetrics.BackupCompleted(at);
            }

            return status.LastBackupAt;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            ScheduledBackupFailed(log, time.GetUtcNow(), ex.GetType().Name, "could not read the last backup's time");
            return null;
        }
    }

    [LoggerMessage(3250, LogLevel.Information, "Scheduled backups are disabled (Backups:Enabled=false)")]
    private static partial void SchedulerDisabled(ILogger logger);

    [LoggerMessage(3251, LogLevel.Information, "The backup of {Occurrence} is being taken by another instance")]
    private static partial void AnotherInstanceIsBackingUp(ILogger logger, DateTimeOffset occurrence);

    [LoggerMessage(3252, LogLevel.Error, "The scheduled backup of {Occurrence} FAILED ({ExceptionType}): {Reason}")]
    private static partial void ScheduledBackupFailed(ILogger logger, DateTimeOffset occurrence, string exceptionType, string reason);
}
