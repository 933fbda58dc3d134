namespace Estimo.Storage.Installations;

/// <summary>
/// Data was stored for an installation the registry does not know (its install event has not
/// been recorded, or it was deleted meanwhile).
/// </summary>
public sealed class UnknownInstallationException : Exception
{
    public UnknownInstallationException(string installationId, Exception? innerException = null)
        : base($"Installation '{installationId}' is not registered.", innerException)
    {
        InstallationId = installationId;
    }

    public UnknownInstallationException()
        : this(string.Empty)
    {
    }

    public UnknownInstallationException(string installationId)
        : this(installationId, null)
    {
    }

    /// <summary>The id that was not found.</summary>
    public string InstallationId { get; } = string.Empty;
}
