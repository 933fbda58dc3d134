namespace Estimo.Core.Installations;

/// <summary>
/// Caches the app's system token (<c>x-forge-oauth-system</c>) per installation until it
/// expires, so background work can call Jira as the app. Tokens are sealed at rest.
/// </summary>
public interface ISystemTokenCache
{
    /// <summary>Stores (or replaces) the token for an installation that exists.</summary>
    Task StoreAsync(string installationId, string token, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>The cached token, or null if there is none or it has expired.</summary>
    Task<string?> FindValidAsync(string installationId, CancellationToken cancellationToken);
}
