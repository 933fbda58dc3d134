namespace Estimo.Storage.Lifecycle;

/// <summary>
/// Told after an installation's purge has committed, so that copies of its data outside the
/// database (the backups' key escrow) can be dropped too.
/// </summary>
public interface IInstallationPurgeListener
{
    Task OnInstallationPurgedAsync(string installationId, CancellationToken cancellationToken);
}
