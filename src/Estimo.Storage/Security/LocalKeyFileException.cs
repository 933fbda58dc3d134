namespace Estimo.Storage.Security;

/// <summary>
/// The local keyring (or the former key file it imports) is unusable: too open, corrupted,
/// without its primary KEK, unreadable. The message names the file and the fix; it never
/// contains key material.
/// </summary>
public sealed class LocalKeyFileException : KeyProviderException
{
    public LocalKeyFileException(string keyFile, string problem, Exception? innerException = null)
        : base($"The local keyring '{keyFile}' cannot be used: {problem}", innerException!)
    {
        KeyFile = keyFile;
    }

    public LocalKeyFileException()
        : this(string.Empty, "unknown problem.")
    {
    }

    public LocalKeyFileException(string message)
        : this(string.Empty, message)
    {
    }

    public LocalKeyFileException(string message, Exception innerException)
        : this(string.Empty, message, innerException)
    {
    }

    /// <summary>The full path of the offending file.</summary>
    public string KeyFile { get; } = string.Empty;
}
