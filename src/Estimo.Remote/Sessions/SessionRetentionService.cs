using Estimo.Core.Poker;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Sessions;

/// <summary>
/// Deletes finished sessions after the retention (30 days by default) and abandoned ones
/// after <see cref="SessionOptions.AbandonedAfter"/>, and lets idle sessions leave memory.
/// </summary>
internal sealed partial class SessionRetentionService(
    IPokerSessionStore store,
    SessionHub hub,
    TimeProvider time,
    IOptions<SessionOptions> options,
    ILogger<SessionRetentionService> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        do
        {
            await SweepAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    internal async Task SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        try
        {
            var deleted = await store.DeleteExpiredAsync(now - options.Value.Retention, now - options.Value.AbandonedAfter, cancellationToken);
            if (deleted > 0)
            {
                SessionsPurged(log, deleted);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The next sweep tries again; a database outage must not stop the service.
            SweepFailed(log, ex.GetType().Name);
        }

        hub.EvictIdle(TimeSpan.FromMinutes(15));
    }

    [LoggerMessage(5101, LogLevel.Information, "Retention deleted {Count} expired sessions")]
    private static partial void SessionsPurged(ILogger logger, int count);

    [LoggerMessage(5102, LogLevel.Warning, "Session retention sweep failed ({ExceptionType}); will retry")]
    private static partial void SweepFailed(ILogger logger, string exceptionType);
}
