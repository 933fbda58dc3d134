namespace Estimo.Storage.Lifecycle;

/// <summary>
/// Told after an installation's purge has committed, so that copies of its data outside the
/// database (the backups' key escrow, in-memory caches) can be dropped too. Called again when
/// a purge is rerun, so an implementation must be idempotent.
/// </summary>
public interface IInstallationPurgeListener
{
    Task OnInstallationPurgedAsync(string installationId, CancellationToken cancellationToken);
}
