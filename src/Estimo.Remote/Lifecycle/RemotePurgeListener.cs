using Estimo.Remote.Installations;
using Estimo.Remote.Sessions;
using Estimo.Storage.Lifecycle;

namespace Estimo.Remote.Lifecycle;

/// <summary>
/// After a purge, this instance forgets what it holds in memory for the installation: its cached
/// sessions (long polls wake and find nothing) and that it is registered (its next UI call
/// registers it afresh). Other instances learn of the deleted sessions through the change channel.
/// </summary>
internal sealed class RemotePurgeListener(SessionHub hub, InstallationRegistrar registrar) : IInstallationPurgeListener
{
    public async Task OnInstallationPurgedAsync(string installationId, CancellationToken cancellationToken)
    {
        registrar.Forget(installationId);
        await hub.ForgetAsync(installationId);
    }
}
