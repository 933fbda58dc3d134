using System.Text.Json;

namespace Estimo.Forge.Authentication;

/// <summary>
/// The verified facts of one Forge invocation, taken from a FIT that passed every rule in
/// <see cref="IForgeInvocationTokenValidator"/>. Nothing here comes from unverified input.
/// </summary>
public sealed record ForgeInvocationContext
{
    /// <summary><c>app.installationId</c>: the tenant key for everything we store.</summary>
    public required string InstallationId { get; init; }

    /// <summary><c>app.id</c>.</summary>
    public required string AppId { get; init; }

    /// <summary><c>context.cloudId</c>, when the invocation has a site context.</summary>
    public string? CloudId { get; init; }

    /// <summary><c>context.siteUrl</c>.</summary>
    public Uri? SiteUrl { get; init; }

    /// <summary><c>app.apiBaseUrl</c>: where OAuth-token calls to the product go.</summary>
    public Uri? ApiBaseUrl { get; init; }

    /// <summary><c>app.environment.type</c> (e.g. DEVELOPMENT, STAGING, PRODUCTION).</summary>
    public string? EnvironmentType { get; init; }

    /// <summary><c>app.environment.id</c>.</summary>
    public string? EnvironmentId { get; init; }

    /// <summary><c>app.module.key</c> of the module that made the call.</summary>
    public string? ModuleKey { get; init; }

    /// <summary><c>app.module.type</c>.</summary>
    public string? ModuleType { get; init; }

    /// <summary><c>context.extension</c> (project, issue, board…), verbatim JSON; absent for events.</summary>
    public JsonElement? Extension { get; init; }

    /// <summary><c>principal</c> account id (UI invocations only).</summary>
    public string? PrincipalAccountId { get; init; }

    /// <summary><c>app.license.isActive</c>, when Forge sends a license.</summary>
    public bool? LicenseActive { get; init; }

    /// <summary>The token's <c>jti</c>.</summary>
    public required string TokenId { get; init; }

    /// <summary>The token's <c>exp</c>.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }
}
