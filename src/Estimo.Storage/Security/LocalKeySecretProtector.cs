using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Estimo.Core.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Estimo.Storage.Security;

/// <summary>
/// Seals values at rest with AES-256-GCM under a key kept in a local file.
/// </summary>
/// <remarks>
/// <para><b>Sealed format</b> (format version 1):</para>
/// <code>
/// [version: 1 byte = 0x01]
/// [key id length: 1 byte, 1..255][key id: UTF-8]
/// [nonce: 12 bytes, random per seal]
/// [ciphertext: same length as the plaintext]
/// [tag: 16 bytes]
/// </code>
/// <para><b>Associated data</b> (authenticated, not stored): the format version byte, then
/// the key id, <see cref="SecretBinding.Table"/>, <see cref="SecretBinding.Column"/>,
/// <see cref="SecretBinding.RowId"/> and <see cref="SecretBinding.InstallationId"/>, each as
/// a 4-byte big-endian length followed by its UTF-8 bytes. Length prefixes make the encoding
/// unambiguous (("ab","c") and ("a","bc") differ), so a ciphertext moved to another table,
/// column, row or installation fails authentication.</para>
/// <para><b>Nonces</b> are 96 random bits per seal. With one key, the birthday bound keeps
/// the collision risk below 2^-32 for 2^32 seals; rotate the key well before that.</para>
/// <para><b>Key file</b>: UTF-8 JSON <c>{"version":1,"keyId":"local-…","key":"&lt;base64 of 32 bytes&gt;"}</c>,
/// created on first use with mode 0600 inside a 0700 directory (written to a temporary file
/// and linked into place, so a half-written key is never seen). It is refused when group or
/// others have any access, when it is not that JSON, or when the key is not 32 bytes.</para>
/// <para>Call <see cref="EnsureKeyLoaded"/> at start-up so key-file problems stop the host
/// instead of surfacing on the first sealed read; <c>AddEstimoStorage</c> registers a hosted
/// service that does.</para>
/// </remarks>
public sealed partial class LocalKeySecretProtector : ISecretProtector
{
    /// <summary>The only format version this class writes and reads.</summary>
    public const byte FormatVersion = 1;

    /// <summary>Nonce size in bytes (96 bits, the GCM standard).</summary>
    public const int NonceSize = 12;

    /// <summary>Tag size in bytes (128 bits).</summary>
    public const int TagSize = 16;

    private const int KeySize = 32;
    private const int MaxKeyIdBytes = 255;
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly Lazy<LocalKey> _key;
    private readonly ILogger _logger;

    public LocalKeySecretProtector(string keyFile, ILogger<LocalKeySecretProtector>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyFile);
        KeyFile = Path.GetFullPath(keyFile);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _key = new Lazy<LocalKey>(LoadOrCreate, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The full path of the key file.</summary>
    public string KeyFile { get; }

    /// <summary>The id of the key in use (not secret); loads the key if needed.</summary>
    public string KeyId => _key.Value.Id;

    /// <summary>
    /// Loads the key now (creating the file on first run) so a bad key file stops start-up.
    /// </summary>
    /// <exception cref="LocalKeyFileException">The file is too open, corrupted, of the wrong length or unreadable.</exception>
    public void EnsureKeyLoaded() => _ = _key.Value;

    public byte[] Protect(ReadOnlySpan<byte> plaintext, SecretBinding binding)
    {
        var key = _key.Value;
        var headerSize = 2 + key.IdBytes.Length;
        var output = new byte[headerSize + NonceSize + plaintext.Length + TagSize];
        output[0] = FormatVersion;
        output[1] = (byte)key.IdBytes.Length;
        key.IdBytes.CopyTo(output.AsSpan(2));

        var nonce = output.AsSpan(headerSize, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        var ciphertext = output.AsSpan(headerSize + NonceSize, plaintext.Length);
        var tag = output.AsSpan(headerSize + NonceSize + plaintext.Length, TagSize);

        using var aes = new AesGcm(key.Material, TagSize);
        aes.Encrypt(nonce, plaintext, ciphertext, tag, AssociatedData(key.IdBytes, binding));
        return output;
    }

    public byte[] Unprotect(ReadOnlySpan<byte> protectedValue, SecretBinding binding)
    {
        if (protectedValue.Length < 2)
        {
            throw new SecretUnprotectException(SecretUnprotectFailure.Malformed);
        }

        if (protectedValue[0] != FormatVersion)
        {
            throw new SecretUnprotectException(SecretUnprotectFailure.UnsupportedVersion);
        }

        int keyIdLength = protectedValue[1];
        var headerSize = 2 + keyIdLength;
        if (keyIdLength == 0 || protectedValue.Length < headerSize + NonceSize + TagSize)
        {
            throw new SecretUnprotectException(SecretUnprotectFailure.Malformed);
        }

        var key = _key.Value;
        if (!protectedValue.Slice(2, keyIdLength).SequenceEqual(key.IdBytes))
        {
            throw new SecretUnprotectException(SecretUnprotectFailure.UnknownKey);
        }

        var nonce = protectedValue.Slice(headerSize, NonceSize);
        var ciphertextLength = protectedValue.Length - headerSize - NonceSize - TagSize;
        var ciphertext = protectedValue.Slice(headerSize + NonceSize, ciphertextLength);
        var tag = protectedValue.Slice(headerSize + NonceSize + ciphertextLength, TagSize);
        var plaintext = new byte[ciphertextLength];

        using var aes = new AesGcm(key.Material, TagSize);
        try
        {
            aes.Decrypt(nonce, ciphertext, tag, plaintext, AssociatedData(key.IdBytes, binding));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new SecretUnprotectException(SecretUnprotectFailure.AuthenticationFailed);
        }

        return plaintext;
    }

    /// <summary>The length-prefixed associated data; public to the tests that pin the format.</summary>
    internal static byte[] AssociatedData(ReadOnlySpan<byte> keyId, SecretBinding binding)
    {
        ReadOnlySpan<string> parts = [binding.Table ?? string.Empty, binding.Column ?? string.Empty, binding.RowId ?? string.Empty, binding.InstallationId ?? string.Empty];
        var size = 1 + 4 + keyId.Length;
        foreach (var part in parts)
        {
            size += 4 + Encoding.UTF8.GetByteCount(part);
        }

        var data = new byte[size];
        var span = data.AsSpan();
        span[0] = FormatVersion;
        var position = 1;
        BinaryPrimitives.WriteInt32BigEndian(span[position..], keyId.Length);
        keyId.CopyTo(span[(position + 4)..]);
        position += 4 + keyId.Length;
        foreach (var part in parts)
        {
            var written = Encoding.UTF8.GetBytes(part, span[(position + 4)..]);
            BinaryPrimitives.WriteInt32BigEndian(span[position..], written);
            position += 4 + written;
        }

        return data;
    }

    private LocalKey LoadOrCreate()
    {
        if (!File.Exists(KeyFile))
        {
            TryCreate();
        }

        return Load();
    }

    private void TryCreate()
    {
        var directory = Path.GetDirectoryName(KeyFile)!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(KeyFile)}.{Guid.NewGuid():N}.tmp");
        var material = RandomNumberGenerator.GetBytes(KeySize);
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var content = JsonSerializer.SerializeToUtf8Bytes(
                new KeyFileContent(FormatVersion, $"local-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}", Convert.ToBase64String(material)),
                KeyFileJsonContext.Default.KeyFileContent);

            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temporary, fileOptions))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            try
            {
                // Without overwrite, a concurrent first run that won the race keeps its key.
                File.Move(temporary, KeyFile, overwrite: false);
                Log.KeyFileCreated(_logger, KeyFile);
            }
            catch (IOException) when (File.Exists(KeyFile))
            {
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new LocalKeyFileException(KeyFile, "it does not exist and could not be created.", exception);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
            File.Delete(temporary);
        }
    }

    private LocalKey Load()
    {
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(KeyFile);
            if ((mode & GroupOrOther) != 0)
            {
                throw new LocalKeyFileException(KeyFile, $"group or others have access (mode {Convert.ToString((int)mode, 8)}); run 'chmod 600 {KeyFile}'.");
            }
        }

        byte[] raw;
        try
        {
            raw = File.ReadAllBytes(KeyFile);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new LocalKeyFileException(KeyFile, "it could not be read.", exception);
        }

        KeyFileContent? content;
        try
        {
            content = JsonSerializer.Deserialize(raw, KeyFileJsonContext.Default.KeyFileContent);
        }
        catch (JsonException exception)
        {
            throw new LocalKeyFileException(KeyFile, "it is not a valid key file (expected JSON with version, keyId and key).", exception);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }

        if (content is null || content.Version != FormatVersion || string.IsNullOrEmpty(content.KeyId) || content.Key is null)
        {
            throw new LocalKeyFileException(KeyFile, "it is not a valid key file (expected JSON with version 1, keyId and key).");
        }

        var idBytes = Encoding.UTF8.GetBytes(content.KeyId);
        if (idBytes.Length > MaxKeyIdBytes)
        {
            throw new LocalKeyFileException(KeyFile, $"its keyId is longer than {MaxKeyIdBytes} bytes.");
        }

        var material = new byte[KeySize];
        if (!Convert.TryFromBase64String(content.Key, material, out var length) || length != KeySize)
        {
            throw new LocalKeyFileException(KeyFile, $"its key is not {KeySize} bytes of base64.");
        }

        Log.KeyLoaded(_logger, KeyFile, content.KeyId);
        return new LocalKey(content.KeyId, idBytes, material);
    }

    private sealed record LocalKey(string Id, byte[] IdBytes, byte[] Material);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Created local key file {KeyFile}")]
        public static partial void KeyFileCreated(ILogger logger, string keyFile);

        [LoggerMessage(EventId = 3102, Level = LogLevel.Debug, Message = "Loaded local key {KeyId} from {KeyFile}")]
        public static partial void KeyLoaded(ILogger logger, string keyFile, string keyId);
    }
}
