namespace Estimo.Core.Security;

/// <summary>
/// Binds a ciphertext to the place it is stored. The binding is authenticated as associated
/// data, so a ciphertext copied to another column, row or installation fails to open.
/// </summary>
/// <param name="Table">The table (or logical record type) holding the value.</param>
/// <param name="Column">The column holding the value.</param>
/// <param name="RowId">The row's stable id.</param>
/// <param name="InstallationId">The owning installation.</param>
public readonly record struct SecretBinding(string Table, string Column, string RowId, string InstallationId);

/// <summary>
/// The seam every store uses to seal sensitive values at rest. Implementations use
/// authenticated encryption (AES-256-GCM); stores never see keys.
/// </summary>
/// <remarks>
/// Asynchronous because sealing needs the installation's data key, which on a cache miss is
/// read from the database and unwrapped by a key provider that may be remote (AWS KMS). On a
/// cache hit both calls complete synchronously (<see cref="ValueTask{TResult}"/>).
/// </remarks>
public interface ISecretProtector
{
    /// <summary>Seals <paramref name="plaintext"/> for the place <paramref name="binding"/> names.</summary>
    ValueTask<byte[]> ProtectAsync(ReadOnlyMemory<byte> plaintext, SecretBinding binding, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a value sealed by <see cref="ProtectAsync"/> for the same binding.
    /// </summary>
    /// <exception cref="SecretUnprotectException">The value is malformed, tampered, bound elsewhere, sealed under an unknown key, or its key was shredded.</exception>
    ValueTask<byte[]> UnprotectAsync(ReadOnlyMemory<byte> protectedValue, SecretBinding binding, CancellationToken cancellationToken);
}

/// <summary>Why a sealed value could not be opened.</summary>
public enum SecretUnprotectFailure
{
    Malformed,
    UnsupportedVersion,
    UnknownKey,
    AuthenticationFailed,

    /// <summary>The installation's data key was deliberately destroyed (crypto-shredding).</summary>
    KeyShredded,
}

/// <summary>A sealed value could not be opened. The message never contains the value.</summary>
public sealed class SecretUnprotectException : Exception
{
    public SecretUnprotectException(SecretUnprotectFailure failure)
        : base($"A protected value could not be opened ({failure}).")
    {
        Failure = failure;
    }

    public SecretUnprotectException(SecretUnprotectFailure failure, Exception innerException)
        : base($"A protected value could not be opened ({failure}).", innerException)
    {
        Failure = failure;
    }

    public SecretUnprotectException()
        : this(SecretUnprotectFailure.Malformed)
    {
    }

    public SecretUnprotectException(string message)
        : base(message)
    {
    }

    public SecretUnprotectException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SecretUnprotectFailure Failure { get; }
}
