namespace Estimo.Storage.Security;

/// <summary>Settings of the <c>Security:LocalKey</c> configuration section (the local key provider).</summary>
public sealed class LocalKeyOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "Security:LocalKey";

    /// <summary>
    /// The keyring file. Relative paths are resolved against the content root (or the current
    /// directory). When unset: <c>keys/keyring.json</c> next to the data directory, i.e.
    /// <c>.estimo/keys/keyring.json</c> with the default <c>Storage:DataDirectory</c>.
    /// </summary>
    public string? KeyringFile { get; set; }

    /// <summary>
    /// The former single key file (format-1 values), imported into a keyring that does not
    /// exist yet. When unset: <c>keys/local.key</c> next to the data directory.
    /// </summary>
    public string? KeyFile { get; set; }
}
