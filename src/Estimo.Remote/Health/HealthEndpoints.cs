using System.Text.Json;
using Estimo.Forge.Authentication;
using Estimo.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Estimo.Remote.Health;

/// <summary>
/// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (database reachable,
/// FIT signing keys loaded, database-in-use lock held). Both are anonymous and carry no data beyond a status word.
/// </summary>
internal static class HealthEndpoints
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddEstimoHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag])
            .AddCheck<SigningKeysHealthCheck>("forge-signing-keys", tags: [ReadyTag])
            .AddCheck<DatabaseInUseHealthCheck>("database-in-use", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapEstimoHealthChecks(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = WriteStatusAsync,
        }).AllowAnonymous();
        routes.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteStatusAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).AllowAnonymous();
        return routes;
    }

    private static Task WriteStatusAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new { status = report.Status.ToString() }));
    }

    /// <summary>
    /// Unhealthy while this remote does not hold the database-in-use lock (database unreachable,
    /// the holding connection dropped and is being re-taken, or a restore holds it): a restore
    /// could then run underneath it.
    /// </summary>
    private sealed class DatabaseInUseHealthCheck(DatabaseInUseLock inUse) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(inUse.IsHeld
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"database-in-use lock not held: {inUse.Problem}"));
    }

    private sealed class DatabaseHealthCheck(IStorageHealth storage) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            await storage.CanConnectAsync(cancellationToken)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("The database is not reachable.");
    }

    private sealed class SigningKeysHealthCheck(IForgeSigningKeys keys) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            keys.IsLoaded || await keys.EnsureLoadedAsync(cancellationToken)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("The Forge signing keys are not loaded.");
    }
}
