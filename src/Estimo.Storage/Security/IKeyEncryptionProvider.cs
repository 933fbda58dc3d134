namespace Estimo.Storage.Security;

/// <summary>
/// The top of the key hierarchy: holds key-encryption keys (KEKs) and uses them to make,
/// wrap and unwrap installations' data keys (DEKs). Plaintext DEKs leave it only to the
/// data-key cache; KEKs never leave it (under KMS they never leave AWS).
/// </summary>
public interface IKeyEncryptionProvider
{
    /// <summary>A short name for messages and audit records (<c>Local</c>, <c>Kms</c>).</summary>
    string Name { get; }

    /// <summary>The KEK that wraps new DEKs and that <c>keys rewrap</c> moves every DEK to.</summary>
    string PrimaryKekId { get; }

    /// <summary>
    /// Proves at start-up that the provider can work (the keyring loads and holds its primary;
    /// KMS answers a GenerateDataKey/Decrypt round trip).
    /// </summary>
    /// <exception cref="KeyProviderException">It cannot; the message names the problem.</exception>
    Task CheckAsync(CancellationToken cancellationToken);

    /// <summary>A new random 256-bit DEK, and the same wrapped under the primary KEK.</summary>
    Task<WrappedDataKey> GenerateDataKeyAsync(DataKeyContext context, CancellationToken cancellationToken);

    /// <summary>Wraps an existing DEK under the primary KEK (re-wrapping).</summary>
    Task<WrappedDataKey> WrapAsync(ReadOnlyMemory<byte> dataKey, DataKeyContext context, CancellationToken cancellationToken);

    /// <summary>Unwraps a DEK wrapped by <paramref name="kekId"/> for <paramref name="context"/>.</summary>
    /// <exception cref="UnknownKekException">The provider has no KEK of that id.</exception>
    /// <exception cref="KeyProviderException">The wrapped key does not open (tampered, moved) or the provider failed.</exception>
    Task<byte[]> UnwrapAsync(string kekId, ReadOnlyMemory<byte> wrappedKey, DataKeyContext context, CancellationToken cancellationToken);

    /// <summary>The key of a format-1 value (sealed directly under the former local key), or null.</summary>
    byte[]? FindLegacyKey(string keyId);
}

/// <summary>What a DEK belongs to; bound into its wrapping so a wrapped DEK cannot be moved.</summary>
public readonly record struct DataKeyContext(string InstallationId, int Version);

/// <summary>A DEK in plaintext and wrapped by <see cref="KekId"/>.</summary>
public sealed record WrappedDataKey(string KekId, byte[] Plaintext, byte[] Wrapped);

/// <summary>A key provider cannot do its job; the message names the problem, never key material.</summary>
public class KeyProviderException : Exception
{
    public KeyProviderException(string message)
        : base(message)
    {
    }

    public KeyProviderException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public KeyProviderException()
    {
    }
}

/// <summary>No KEK of this id is known to the provider.</summary>
public sealed class UnknownKekException : KeyProviderException
{
    public UnknownKekException(string kekId)
        : base($"The key provider has no key-encryption key '{kekId}'.")
    {
        KekId = kekId;
    }

    public UnknownKekException()
    {
    }

    public UnknownKekException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public string KekId { get; } = string.Empty;
}
