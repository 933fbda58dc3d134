namespace Estimo.Storage.Lifecycle;

/// <summary>
/// Told after an installation's purge has committed, to drop whatever else holds its data
/// (the backup key escrow, in-memory caches). Called again when a purge is rerun, so an
/// implementation must be idempotent.
/// </summary>
public interface IInstallationPurgeListener
{
    Task OnInstallationPurgedAsync(string installationId, CancellationToken cancellationToken);
}
