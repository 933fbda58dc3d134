namespace Estimo.Storage.Security;

/// <summary>Settings of the <c>Security:LocalKey</c> configuration section.</summary>
public sealed class LocalKeyOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "Security:LocalKey";

    /// <summary>
    /// The key file. Relative paths are resolved against the content root (or the current
    /// directory). When unset: <c>keys/local.key</c> next to the data directory, i.e.
    /// <c>.estimo/keys/local.key</c> with the default <c>Storage:DataDirectory</c>.
    /// </summary>
    public string? KeyFile { get; set; }
}
