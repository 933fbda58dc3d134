using System.Collections.Concurrent;
using Estimo.Core.Installations;
using Estimo.Forge.Authentication;

namespace Estimo.Remote.Installations;

/// <summary>
/// Makes sure the installation of a verified invocation is registered before tenant data is
/// written for it. Forge may deliver the install event late, or lose it after its retries; the
/// FIT carries the same verified facts, so the first UI call registers the installation itself.
/// Known installations are remembered in memory, so this costs one lookup per installation
/// and process, not per request.
/// </summary>
internal sealed class InstallationRegistrar(IInstallationStore installations, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, bool> _known = new(StringComparer.Ordinal);

    public async Task EnsureAsync(ForgeInvocationContext invocation, CancellationToken cancellationToken)
    {
        if (_known.ContainsKey(invocation.InstallationId))
        {
            return;
        }

        var existing = await installations.FindAsync(invocation.InstallationId, cancellationToken);
        if (existing is null || existing.Status != InstallationStatus.Active || (existing.SiteUrl is null && invocation.SiteUrl is not null))
        {
            if (invocation.CloudId is null || invocation.ApiBaseUrl is null)
            {
                throw new InvalidOperationException("A UI invocation must carry the site's cloud id and API base URL.");
            }

            await installations.RecordInstalledAsync(
                new InstallationRegistration(
                    invocation.InstallationId,
                    invocation.CloudId,
                    invocation.SiteUrl,
                    invocation.ApiBaseUrl,
                    existing?.AppVersion ?? "unknown",
                    invocation.EnvironmentType ?? existing?.Environment ?? "unknown",
                    existing?.InstalledAt ?? time.GetUtcNow()),
                cancellationToken);
        }

        _known[invocation.InstallationId] = true;
    }

    /// <summary>Forgets that an installation is registered (it was purged), so its next call registers it again.</summary>
    public void Forget(string installationId) => _known.TryRemove(installationId, out _);
}
