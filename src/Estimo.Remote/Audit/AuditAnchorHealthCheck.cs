using System.Globalization;
using Estimo.Storage.Security;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Audit;

/// <summary>
/// Audit anchoring on <c>/health/detail</c> (the loopback management listener), not on
/// readiness: <b>Degraded</b> when anchoring is on and a record has waited more than two
/// intervals for an anchor (anchoring keeps failing, or no instance runs it); otherwise
/// Healthy, with the newest anchor as data. Degraded at once when this instance's last run was
/// refused write-once retention by the anchor store (an S3 bucket without Object Lock: anchors
/// are recorded but cannot be exported until the bucket is fixed). The facts come from the database, so every
/// instance reports the same. Monitoring only: the proof is <c>audit verify --anchors-from-target</c>.
/// </summary>
internal sealed class AuditAnchorHealthCheck(
    AuditAnchorExporter exporter,
    TimeProvider time,
    IOptions<AuditAnchorOptions> options,
    AuditAnchorRunState state) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = await exporter.GetStatusAsync(cancellationToken);
        var data = new Dictionary<string, object>
        {
            ["target"] = exporter.Description,
            ["lastAnchorAt"] = status.LastAnchorAt?.ToString("O", CultureInfo.InvariantCulture) ?? "never",
            ["lastAnchoredSequence"] = status.LastAnchoredSequence ?? 0,
        };
        var failure = state.LastFailure;
        if (failure is not null)
        {
            data["lastFailureAt"] = failure.At.ToString("O", CultureInfo.InvariantCulture);
            data["lastFailure"] = failure.ExceptionType;
        }

        if (options.Value.Interval is not { } interval)
        {
            return HealthCheckResult.Healthy("Audit anchoring is disabled (Audit:AnchorInterval=off).", data);
        }

        if (failure?.RetentionRefused is { } refused)
        {
            return HealthCheckResult.Degraded($"Audit anchors cannot be stored write-once: {refused}", data: data);
        }

        if (status.OldestUncoveredAt is { } waiting && time.GetUtcNow() - waiting > 2 * interval)
        {
            return HealthCheckResult.Degraded($"Audit records written since {waiting.ToString("O", CultureInfo.InvariantCulture)} have no anchor after two intervals.", data: data);
        }

        return HealthCheckResult.Healthy("The audit chain is anchored.", data);
    }
}
