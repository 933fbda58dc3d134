namespace Estimo.Core.Installations;

/// <summary>The installation registry.</summary>
public interface IInstallationStore
{
    /// <summary>
    /// Records an install: creates the installation, or refreshes its site facts and marks it
    /// active. Idempotent, because Forge retries lifecycle events: repeating the same event
    /// changes nothing.
    /// </summary>
    Task<InstallationChange> RecordInstalledAsync(InstallationRegistration registration, CancellationToken cancellationToken);

    /// <summary>Records an upgrade (creating the installation if its install event was lost). Idempotent.</summary>
    Task<InstallationChange> RecordUpgradedAsync(InstallationRegistration registration, CancellationToken cancellationToken);

    /// <summary>Finds one installation by id, or null.</summary>
    Task<Installation?> FindAsync(string installationId, CancellationToken cancellationToken);
}
