using Estimo.Core.Installations;

namespace Estimo.Storage.Entities;

/// <summary>A row of <c>installations</c>.</summary>
internal sealed class InstallationEntity
{
    public required string Id { get; set; }

    public required string CloudId { get; set; }

    public Uri? SiteUrl { get; set; }

    public required Uri ApiBaseUrl { get; set; }

    public required string AppVersion { get; set; }

    public required string Environment { get; set; }

    public DateTimeOffset InstalledAt { get; set; }

    public DateTimeOffset? UpgradedAt { get; set; }

    public InstallationStatus Status { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>When we learnt it was uninstalled (an uninstall event); the purge clock of docs/operations.md.</summary>
    public DateTimeOffset? UninstalledAt { get; set; }

    /// <summary>Since when Atlassian has refused its system token (401/403), if it does now.</summary>
    public DateTimeOffset? TokenRefusedSince { get; set; }

    /// <summary>When its stored account ids were last reported to the personal data reporting API.</summary>
    public DateTimeOffset? PersonalDataReportedAt { get; set; }

    /// <summary>Bumped on every update; a concurrent writer that read an older value loses and retries.</summary>
    public int Version { get; set; }

    public SystemTokenEntity? SystemToken { get; set; }

    public Installation ToInstallation() => new()
    {
        Id = Id,
        CloudId = CloudId,
        SiteUrl = SiteUrl,
        ApiBaseUrl = ApiBaseUrl,
        AppVersion = AppVersion,
        Environment = Environment,
        InstalledAt = InstalledAt,
        UpgradedAt = UpgradedAt,
        Status = Status,
    };
}
