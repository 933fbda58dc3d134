namespace Estimo.Storage.Entities;

/// <summary>
/// A row of <c>installation_purges</c>: the tombstone of a purged installation. It holds no
/// tenant data (no site, no cloud id, no account): only the installation id, when and why it
/// was purged, and the highest data-key version it ever had, so a purge is provable and an
/// installation that comes back (delete-now while still installed) never reuses a DEK version
/// number that a backup or another instance's cache could still associate with the old key.
/// </summary>
internal sealed class InstallationPurgeEntity
{
    public required string InstallationId { get; set; }

    public DateTimeOffset PurgedAt { get; set; }

    /// <summary>Why: <c>uninstalled</c>, <c>token-refused</c>, <c>admin-request</c> or <c>operator</c>.</summary>
    public required string Reason { get; set; }

    /// <summary>The highest DEK version the installation had when purged (0 when it had none).</summary>
    public int LastKeyVersion { get; set; }

    /// <summary>How many times this installation id was purged (delete-now may run more than once).</summary>
    public int Purges { get; set; }
}
