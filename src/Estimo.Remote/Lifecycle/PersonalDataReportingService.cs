using Estimo.Remote.Sessions;
using Estimo.Storage.PersonalData;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Lifecycle;

/// <summary>
/// Runs the <see cref="PersonalDataReporter"/> every <c>PersonalData:CheckInterval</c>; each
/// installation is reported when its last report is older than <c>PersonalData:ReportEvery</c>.
/// Sessions rewritten by an erasure are dropped from this instance's memory at once.
/// </summary>
internal sealed partial class PersonalDataReportingService(
    IServiceProvider services,
    SessionHub hub,
    TimeProvider time,
    IOptions<PersonalDataOptions> options,
    IOptions<Sessions.SessionOptions> sessions,
    ILogger<PersonalDataReportingService> log) : BackgroundService
{
    private readonly SemaphoreSlim _running = new(1, 1);
    private CancellationToken _stopping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        using var timer = new PeriodicTimer(options.Value.CheckInterval, time);
        do
        {
            await RunAsync(force: false, stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>
    /// Starts a run now in the background (installations that are due only), e.g. when the daily
    /// scheduled trigger has just brought a fresh system token. A run already going is enough.
    /// </summary>
    public void Nudge()
    {
        if (_running.CurrentCount > 0 && !_stopping.IsCancellationRequested)
        {
            _ = Task.Run(() => RunAsync(force: false, _stopping), _stopping);
        }
    }

    /// <summary>One run; <paramref name="force"/> reports every active installation now (tests, operators).</summary>
    internal async Task<IReadOnlyList<InstallationReport>> RunAsync(bool force, CancellationToken cancellationToken)
    {
        await _running.WaitAsync(cancellationToken);
        try
        {
            var reporter = services.GetRequiredService<PersonalDataReporter>();
            var reports = await reporter.RunAsync(force, sessions.Value.AbandonedAfter, cancellationToken);
            foreach (var erasure in reports.SelectMany(r => r.Erasures))
            {
                await hub.ForgetAsync(erasure.InstallationId, erasure.RewrittenSessions.Concat(erasure.DeletedSessions).ToHashSet(StringComparer.Ordinal));
            }

            return reports;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The next check tries again; the installations' last report times did not move.
            RunFailed(log, ex.GetType().Name);
            return [];
        }
        finally
        {
            _running.Release();
        }
    }

    public override void Dispose()
    {
        _running.Dispose();
        base.Dispose();
    }

    [LoggerMessage(5611, LogLevel.Warning, "The personal data report run failed ({ExceptionType}); will retry")]
    private static partial void RunFailed(ILogger logger, string exceptionType);
}
