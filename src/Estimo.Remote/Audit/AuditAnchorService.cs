using Estimo.Storage.Security;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Audit;

/// <summary>
/// Every <c>Audit:AnchorInterval</c> (1 hour by default) signs the audit chain's head and exports
/// the anchor to the backup target (<see cref="AuditAnchorExporter"/>): only when the head moved,
/// and on one instance at a time. A failure logs a warning naming the exception type only and
/// the next interval tries again; the host never stops for it.
/// </summary>
internal sealed partial class AuditAnchorService(
    AuditAnchorExporter exporter,
    TimeProvider time,
    IOptions<AuditAnchorOptions> options,
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

            return run.Outcome;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            AnchoringFailed(log, ex.GetType().Name);
            return null;
        }
    }

    [LoggerMessage(3270, LogLevel.Information, "Audit anchoring is disabled (Audit:AnchorInterval=off)")]
    private static partial void AnchoringDisabled(ILogger logger);

    [LoggerMessage(3271, LogLevel.Information, "Anchored the audit chain at sequence {Sequence} and exported it to {Target}")]
    private static partial void Anchored(ILogger logger, long sequence, string target);

    [LoggerMessage(3272, LogLevel.Warning, "Anchoring the audit chain failed ({ExceptionType}); the next interval tries again")]
    private static partial void AnchoringFailed(ILogger logger, string exceptionType);
}

/// <summary>Registers periodic audit anchoring in the remote.</summary>
internal static class AuditAnchorServiceCollectionExtensions
{
    public static IServiceCollection AddEstimoAuditAnchoring(this IServiceCollection services)
    {
        services.AddOptions<AuditAnchorOptions>().BindConfiguration(AuditAnchorOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuditAnchorOptions>, AuditAnchorOptionsValidator>();
        services.AddHostedService<AuditAnchorService>();
        services.AddHealthChecks().AddCheck<AuditAnchorHealthCheck>("audit-anchors");
        return services;
    }
}
