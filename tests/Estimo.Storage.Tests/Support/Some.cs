using Estimo.Core.Installations;

namespace Estimo.Storage.Tests.Support;

/// <summary>Test data: unique ids, plausible Forge facts.</summary>
internal static class Some
{
    public static string InstallationId() => $"ari:cloud:ecosystem::installation/{Guid.NewGuid()}";

    public static string Token() => $"forge-system-token-{Guid.NewGuid():N}";

    public static InstallationRegistration Registration(string? installationId = null, DateTimeOffset? occurredAt = null) => new(
        installationId ?? InstallationId(),
        CloudId: Guid.NewGuid().ToString(),
        SiteUrl: new Uri("https://acme.atlassian.net"),
        ApiBaseUrl: new Uri($"https://api.atlassian.com/ex/jira/{Guid.NewGuid()}"),
        AppVersion: "1.0.0",
        Environment: "PRODUCTION",
        OccurredAt: occurredAt ?? new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));
}
