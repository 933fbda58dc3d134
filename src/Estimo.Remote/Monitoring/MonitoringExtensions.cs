using System.Diagnostics;
using System.Text.Json;
using Estimo.Core.Diagnostics;
using Estimo.Forge.Jira;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Estimo.Remote.Monitoring;

internal static class MonitoringExtensions
{
    public const string MetricsPath = "/metrics";
    public const string HealthDetailPath = "/health/detail";

    /// <summary>
    /// OpenTelemetry metrics (our meters plus ASP.NET Core's request duration by route and
    /// status), exported in the Prometheus format on the management listener; B3 trace context;
    /// Jira call counting; operator health detail.
    /// </summary>
    public static WebApplicationBuilder AddEstimoMonitoring(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<MonitoringOptions>().BindConfiguration(MonitoringOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MonitoringOptions>, MonitoringOptionsValidator>();

        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(RemoteMetrics.MeterName, OperationalMetrics.MeterName)
            // http.server.request.duration: method, route template, status code; never the URL.
            .AddMeter("Microsoft.AspNetCore.Hosting")
            .AddPrometheusExporter());
        builder.Services.AddSingleton<RemoteGauges>();

        builder.Services.Replace(ServiceDescriptor.Singleton<DistributedContextPropagator>(
            new B3Propagator(DistributedContextPropagator.CreateDefaultPropagator())));

        builder.Services.AddTransient<JiraMetricsHandler>();
        builder.Services.AddHttpClient(nameof(JiraUserClient)).AddHttpMessageHandler<JiraMetricsHandler>();

        builder.Services.AddHealthChecks().AddCheck<LogShippingHealthCheck>("log-shipping");
        return builder;
    }

    /// <summary>Serves management endpoints on the management listener only (after routing).</summary>
    public static WebApplication UseManagementIsolation(this WebApplication app)
    {
        app.UseMiddleware<ManagementIsolationMiddleware>();
        return app;
    }

    public static WebApplication MapManagementEndpoints(this WebApplication app)
    {
        // Create the gauges now so the first scrape has them.
        app.Services.GetRequiredService<RemoteGauges>();
        app.MapPrometheusScrapingEndpoint(MetricsPath)
            .WithMetadata(ManagementEndpointMetadata.Instance)
            .AllowAnonymous();
        app.MapHealthChecks(HealthDetailPath, new HealthCheckOptions
        {
            ResponseWriter = WriteDetailAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).WithMetadata(ManagementEndpointMetadata.Instance).AllowAnonymous();
        return app;
    }

    private static Task WriteDetailAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            durationMs = report.TotalDuration.TotalMilliseconds,
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new
                {
                    status = e.Value.Status.ToString(),
                    description = e.Value.Description,
                    durationMs = e.Value.Duration.TotalMilliseconds,
                    error = e.Value.Exception?.GetType().Name,
                    data = e.Value.Data,
                }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
