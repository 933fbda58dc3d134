namespace Estimo.Simulator.Forge;

/// <summary>Whether the app is installed on the simulated site, and as which installation.</summary>
public sealed class AppInstallation
{
    private readonly Lock _gate = new();
    private string? _installationId;
    private int _majorVersion = 1;

    /// <summary>Fixed, like a development environment that is never recreated.</summary>
    public const string EnvironmentId = "2f5c6a1e-8d3b-4c7f-a0e9-41b6d2c8f357";
    public const string EnvironmentType = "DEVELOPMENT";

    public string? InstallationId
    {
        get
        {
            lock (_gate)
            {
                return _installationId;
            }
        }
    }

    public string Version
    {
        get
        {
            lock (_gate)
            {
                return $"{_majorVersion}.0.0";
            }
        }
    }

    /// <summary>A new installation id each time, as Forge gives on reinstall. Null when already installed.</summary>
    public string? Install()
    {
        lock (_gate)
        {
            if (_installationId is not null)
            {
                return null;
            }
            _installationId = "ari:cloud:ecosystem::installation/" + Guid.NewGuid();
            return _installationId;
        }
    }

    /// <summary>Bumps the major version (Forge sends upgraded events for major versions only).</summary>
    public string? Upgrade()
    {
        lock (_gate)
        {
            if (_installationId is null)
            {
                return null;
            }
            _majorVersion++;
            return $"{_majorVersion}.0.0";
        }
    }

    public string? Uninstall()
    {
        lock (_gate)
        {
            var id = _installationId;
            _installationId = null;
            return id;
        }
    }
}
