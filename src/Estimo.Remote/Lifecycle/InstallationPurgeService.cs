using Estimo.Storage.Lifecycle;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Lifecycle;

/// <summary>
/// Purges installations that look gone: uninstalled longer than <c>Lifecycle:PurgeAfterUninstall</c>
/// ago, or whose system token Atlassian has refused for <c>Lifecycle:PurgeAfterTokenRefusedDays</c>.
/// Every <c>Lifecycle:SweepInterval</c>; a purge is idempotent, so two instances sweeping at
/// once cost a repeated check, never a half-done purge.
/// </summary>
internal sealed partial class InstallationPurgeService(
    InstallationPurger purger,
    TimeProvider time,
    IOptions<LifecycleOptions> options,
    ILogger<InstallationPurgeService> log) : BackgroundService
{
    public const string Actor = "system:lifecycle";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        do
        {
            await SweepAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    internal async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var purged = 0;
        try
        {
            var settings = options.Value;
            var due = await purger.FindDueAsync(time.GetUtcNow(), settings.PurgeAfterUninstall, TimeSpan.FromDays(settings.PurgeAfterTokenRefusedDays), cancellationToken);
            foreach (var (installationId, reason) in due)
            {
                try
                {
                    await purger.PurgeAsync(installationId, reason, Actor, null, cancellationToken);
                    purged++;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The next sweep tries again (or, for a listener failure, an operator reruns it).
                    PurgeFailed(log, installationId, ex.GetType().Name);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            SweepFailed(log, ex.GetType().Name);
        }

        return purged;
    }

    [LoggerMessage(5601, LogLevel.Error, "Purging installation {InstallationId} failed ({ExceptionType}); the next sweep retries")]
    private static partial void PurgeFailed(ILogger logger, string installationId, string exceptionType);

    [LoggerMessage(5602, LogLevel.Warning, "The installation purge sweep failed ({ExceptionType}); will retry")]
    private static partial void SweepFailed(ILogger logger, string exceptionType);
}
