using Estimo.Storage.Security;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Audit;

/// <summary>
/// Every <c>Audit:AnchorInterval</c> (1 hour by default) signs the audit chain's head and exports
/// the anchor to the backup target (<see cref="AuditAnchorExporter"/>): only when the head moved,
/// and on one instance at a time. A failure logs a warning naming the exception type only and
/// the next interval tries again; the host never stops for it. When the anchor store refuses
/// write-once retention (an S3 bucket without Object Lock) the warning says so, with the store's
/// message (bucket and S3 error code), and the health detail turns Degraded at once.
/// </summary>
internal sealed partial class AuditAnchorService(
    AuditAnchorExporter exporter,
    TimeProvider time,
    IOptions<AuditAnchorOptions> options,
    AuditAnchorRunState state,
    ILogger<AuditAnchorService> log) : BackgroundService
{
    private PeriodicTimer? _timer;

    /// <summary>Starts the interval clock now, at start-up (ExecuteAsync itself runs later, in the background).</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Interval is { } interval)
        {
            _timer = new PeriodicTimer(interval, time);
        }

        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _timer?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_timer is not { } timer)
        {
            AnchoringDisabled(log);
            return;
        }

        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RunOnceAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>One anchoring run; never throws except on cancellation.</summary>
    internal async Task<AuditAnchorOutcome?> RunOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var run = await exporter.RunOnceAsync(AuditAnchorExporter.SchedulerActor, cancellationToken);
            if (run.Outcome is AuditAnchorOutcome.Anchored or AuditAnchorOutcome.Exported)
            {
                Anchored(log, run.Anchor!.Sequence, exporter.Description);
            }

            state.Succeeded();
            return run.Outcome;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            state.Failed(time.GetUtcNow(), ex);
            if (ex is Estimo.Storage.Backups.AuditAnchorRetentionException refused)
            {
                AnchorRetentionRefused(log, refused.Message);
            }
            else
            {
                AnchoringFailed(log, ex.GetType().Name);
            }

            return null;
        }
    }

    [LoggerMessage(3270, LogLevel.Information, "Audit anchoring is disabled (Audit:AnchorInterval=off)")]
    private static partial void AnchoringDisabled(ILogger logger);

    [LoggerMessage(3271, LogLevel.Information, "Anchored the audit chain at sequence {Sequence} and exported it to {Target}")]
    private static partial void Anchored(ILogger logger, long sequence, string target);

    [LoggerMessage(3272, LogLevel.Warning, "Anchoring the audit chain failed ({ExceptionType}); the next interval tries again")]
    private static partial void AnchoringFailed(ILogger logger, string exceptionType);

    [LoggerMessage(3273, LogLevel.Warning, "Exporting the audit anchor failed: the anchor store refused write-once retention. {Reason}")]
    private static partial void AnchorRetentionRefused(ILogger logger, string reason);
}

/// <summary>Registers periodic audit anchoring in the remote.</summary>
internal static class AuditAnchorServiceCollectionExtensions
{
    public static IServiceCollection AddEstimoAuditAnchoring(this IServiceCollection services)
    {
        services.AddOptions<AuditAnchorOptions>().BindConfiguration(AuditAnchorOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuditAnchorOptions>, AuditAnchorOptionsValidator>();
        services.AddSingleton<AuditAnchorRunState>();
        services.AddHostedService<AuditAnchorService>();
        services.AddHealthChecks().AddCheck<AuditAnchorHealthCheck>("audit-anchors");
        return services;
    }
}
