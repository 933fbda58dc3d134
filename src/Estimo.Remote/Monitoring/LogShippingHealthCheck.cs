using Estimo.Remote.Logging.Shipping;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Estimo.Remote.Monitoring;

/// <summary>
/// Operator detail on log shipping. Not part of readiness: an Elastic outage must not take the
/// remote out of the load balancer, because logs wait on disk.
/// </summary>
internal sealed class LogShippingHealthCheck(LogShipping shipping, ElasticsearchLogShipper shipper) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (shipping.Buffer is not { } buffer)
        {
            return Task.FromResult(HealthCheckResult.Healthy("Shipping to Elasticsearch is not configured."));
        }

        var data = new Dictionary<string, object>
        {
            ["dataStream"] = shipping.DataStream,
            ["bufferBytes"] = buffer.Bytes,
            ["bufferCapacityBytes"] = buffer.MaxBytes,
            ["refusedSinceStart"] = buffer.Refused,
            ["lastSuccess"] = shipper.LastSuccess?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "never",
        };
        return Task.FromResult(shipper.Failing || buffer.Bytes >= buffer.MaxBytes * 0.8
            ? HealthCheckResult.Degraded("Elasticsearch is not taking logs, or the buffer is filling.", data: data)
            : HealthCheckResult.Healthy("Shipping.", data));
    }
}
