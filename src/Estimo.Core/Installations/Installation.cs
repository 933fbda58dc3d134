namespace Estimo.Core.Installations;

/// <summary>Where an installation stands in its lifecycle.</summary>
public enum InstallationStatus
{
    /// <summary>Installed and serving.</summary>
    Active = 0,

    /// <summary>Believed uninstalled (Forge sends remotes no uninstall event; see docs).</summary>
    Uninstalled = 1,
}

/// <summary>
/// One installation of Estimo on one Jira Cloud site. Everything a tenant owns is keyed by
/// <see cref="Id"/>; Forge issues a new id when the app is reinstalled.
/// </summary>
public sealed record Installation
{
    /// <summary>The Forge installation id (<c>app.installationId</c> in the FIT).</summary>
    public required string Id { get; init; }

    /// <summary>The Atlassian cloud id of the site.</summary>
    public required string CloudId { get; init; }

    /// <summary>
    /// The site's browser URL, e.g. <c>https://acme.atlassian.net</c>, when known. Install
    /// events do not carry it; UI invocations do (<c>context.siteUrl</c>).
    /// </summary>
    public Uri? SiteUrl { get; init; }

    /// <summary>The base URL for REST calls with Forge OAuth tokens (never the site URL).</summary>
    public required Uri ApiBaseUrl { get; init; }

    /// <summary>The app version the lifecycle event reported.</summary>
    public required string AppVersion { get; init; }

    /// <summary>The Forge environment type, e.g. <c>PRODUCTION</c> or <c>DEVELOPMENT</c>.</summary>
    public required string Environment { get; init; }

    /// <summary>When the first install event for this id was accepted.</summary>
    public required DateTimeOffset InstalledAt { get; init; }

    /// <summary>When the latest upgrade event was accepted, if any.</summary>
    public DateTimeOffset? UpgradedAt { get; init; }

    public required InstallationStatus Status { get; init; }
}

/// <summary>The facts a lifecycle event carries about an installation.</summary>
public sealed record InstallationRegistration(
    string InstallationId,
    string CloudId,
    Uri? SiteUrl,
    Uri ApiBaseUrl,
    string AppVersion,
    string Environment,
    DateTimeOffset OccurredAt);

/// <summary>What an upsert did, so callers can log it (and tests can assert idempotency).</summary>
public enum InstallationChange
{
    Created,
    Updated,
    Unchanged,
}
