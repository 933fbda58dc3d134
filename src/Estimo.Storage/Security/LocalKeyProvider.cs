using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Estimo.Storage.Security;

/// <summary>
/// KEKs from the local keyring file (<see cref="LocalKeyringFile"/>), the embedded default.
/// </summary>
/// <remarks>
/// <para><b>Wrapped DEK</b>: <c>[nonce 12][ciphertext 32][tag 16]</c>, AES-256-GCM under the
/// KEK, associated data <c>"estimo-dek/1"</c>, then the KEK id, installation id and DEK version
/// each length-prefixed, so a wrapped DEK copied to another installation, version or KEK row
/// fails to unwrap.</para>
/// <para>The keyring is loaded once and reloaded when a KEK id is asked for that it does not
/// hold and the file changed since: a KEK added by <c>estimo-ops keys add-kek</c> and used by
/// a concurrent <c>keys rewrap</c> is picked up without a restart.</para>
/// </remarks>
public sealed partial class LocalKeyProvider : IKeyEncryptionProvider
{
    private static readonly byte[] WrapLabel = Encoding.UTF8.GetBytes("estimo-dek/1");
    private readonly string? _legacyKeyFile;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Keyring? _keyring;
    private DateTime _loadedWriteTime;

    public LocalKeyProvider(string keyringFile, string? legacyKeyFile = null, ILogger<LocalKeyProvider>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyringFile);
        KeyringFile = Path.GetFullPath(keyringFile);
        _legacyKeyFile = legacyKeyFile is null ? null : Path.GetFullPath(legacyKeyFile);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public string Name => "Local";

    /// <summary>The full path of the keyring file.</summary>
    public string KeyringFile { get; }

    public string PrimaryKekId => Current.PrimaryId;

    /// <summary>The ids of every KEK in the keyring (not secret).</summary>
    public IReadOnlyList<string> KekIds => [.. Current.Keys.Select(k => k.Id)];

    private Keyring Current
    {
        get
        {
            lock (_gate)
            {
                return _keyring ??= LoadOrCreate();
            }
        }
    }

    public Task CheckAsync(CancellationToken cancellationToken)
    {
        _ = Current;
        return Task.CompletedTask;
    }

    public Task<WrappedDataKey> GenerateDataKeyAsync(DataKeyContext context, CancellationToken cancellationToken) =>
        WrapAsync(RandomNumberGenerator.GetBytes(SealedValueFormat.KeySize), context, cancellationToken);

    public Task<WrappedDataKey> WrapAsync(ReadOnlyMemory<byte> dataKey, DataKeyContext context, CancellationToken cancellationToken)
    {
        var keyring = Current;
        var kek = keyring.Find(keyring.PrimaryId)!;
        var wrapped = new byte[SealedValueFormat.NonceSize + SealedValueFormat.KeySize + SealedValueFormat.TagSize];
        var nonce = wrapped.AsSpan(0, SealedValueFormat.NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(kek.Material, SealedValueFormat.TagSize);
        aes.Encrypt(
            nonce,
            dataKey.Span,
            wrapped.AsSpan(SealedValueFormat.NonceSize, SealedValueFormat.KeySize),
            wrapped.AsSpan(SealedValueFormat.NonceSize + SealedValueFormat.KeySize),
            WrapAssociatedData(kek.Id, context));
        return Task.FromResult(new WrappedDataKey(kek.Id, dataKey.ToArray(), wrapped));
    }

    public Task<byte[]> UnwrapAsync(string kekId, ReadOnlyMemory<byte> wrappedKey, DataKeyContext context, CancellationToken cancellationToken)
    {
        var kek = Find(kekId) ?? throw new UnknownKekException(kekId);
        var wrapped = wrappedKey.Span;
        if (wrapped.Length != SealedValueFormat.NonceSize + SealedValueFormat.KeySize + SealedValueFormat.TagSize)
        {
            throw new KeyProviderException($"The wrapped data key {context.Version} of installation {context.InstallationId} is malformed.");
        }

        var dataKey = new byte[SealedValueFormat.KeySize];
        using var aes = new AesGcm(kek.Material, SealedValueFormat.TagSize);
        try
        {
            aes.Decrypt(
                wrapped[..SealedValueFormat.NonceSize],
                wrapped.Slice(SealedValueFormat.NonceSize, SealedValueFormat.KeySize),
                wrapped[(SealedValueFormat.NonceSize + SealedValueFormat.KeySize)..],
                dataKey,
                WrapAssociatedData(kek.Id, context));
        }
        catch (AuthenticationTagMismatchException exception)
        {
            throw new KeyProviderException($"The wrapped data key {context.Version} of installation {context.InstallationId} does not open under KEK '{kekId}' (tampered or moved).", exception);
        }

        return Task.FromResult(dataKey);
    }

    public byte[]? FindLegacyKey(string keyId) => Find(keyId)?.Material;

    /// <summary>A fresh id for <see cref="AddKek"/>, so the audit record can name it first.</summary>
    public static string NewKekId() => LocalKeyringFile.NewKek(DateTimeOffset.UtcNow).Id;

    /// <summary>Adds a new random KEK to the keyring file under <paramref name="kekId"/>, optionally as primary.</summary>
    public void AddKek(string kekId, bool makePrimary)
    {
        lock (_gate)
        {
            var keyring = LoadOrCreate();
            if (keyring.Find(kekId) is not null)
            {
                throw new KeyProviderException($"The keyring already holds a KEK '{kekId}'.");
            }

            var kek = LocalKeyringFile.NewKek(DateTimeOffset.UtcNow) with { Id = kekId };
            var updated = new Keyring(makePrimary ? kek.Id : keyring.PrimaryId, [.. keyring.Keys, kek]);
            LocalKeyringFile.Write(KeyringFile, updated, overwrite: true);
            Log.KekAdded(_logger, kek.Id, makePrimary, KeyringFile);
            _keyring = null;
        }
    }

    /// <summary>Makes an existing KEK primary.</summary>
    public void MakePrimary(string kekId)
    {
        lock (_gate)
        {
            var keyring = LoadOrCreate();
            if (keyring.Find(kekId) is null)
            {
                throw new UnknownKekException(kekId);
            }

            LocalKeyringFile.Write(KeyringFile, keyring with { PrimaryId = kekId }, overwrite: true);
            _keyring = null;
        }
    }

    /// <summary>Removes a KEK from the keyring file. The caller has proven nothing still needs it.</summary>
    public void RemoveKek(string kekId)
    {
        lock (_gate)
        {
            var keyring = LoadOrCreate();
            if (keyring.Find(kekId) is null)
            {
                throw new UnknownKekException(kekId);
            }

            if (keyring.PrimaryId == kekId)
            {
                throw new KeyProviderException($"'{kekId}' is the primary KEK; make another KEK primary first.");
            }

            LocalKeyringFile.Write(KeyringFile, keyring with { Keys = [.. keyring.Keys.Where(k => k.Id != kekId)] }, overwrite: true);
            _keyring = null;
        }
    }

    private LocalKek? Find(string kekId)
    {
        var found = Current.Find(kekId);
        if (found is not null)
        {
            return found;
        }

        // Another process (estimo-ops keys add-kek) may have added it since we loaded.
        lock (_gate)
        {
            if (File.Exists(KeyringFile) && File.GetLastWriteTimeUtc(KeyringFile) != _loadedWriteTime)
            {
                _keyring = LoadOrCreate();
            }

            return _keyring?.Find(kekId);
        }
    }

    private Keyring LoadOrCreate()
    {
        if (!File.Exists(KeyringFile))
        {
            if (LocalKeyringFile.Create(KeyringFile, _legacyKeyFile, out var imported))
            {
                if (imported)
                {
                    Log.LegacyKeyImported(_logger, _legacyKeyFile!, KeyringFile);
                }
                else
                {
                    Log.KeyringCreated(_logger, KeyringFile);
                }
            }
        }

        _loadedWriteTime = File.GetLastWriteTimeUtc(KeyringFile);
        var keyring = LocalKeyringFile.Read(KeyringFile);
        Log.KeyringLoaded(_logger, KeyringFile, keyring.Keys.Count, keyring.PrimaryId);
        return keyring;
    }

    private static byte[] WrapAssociatedData(string kekId, DataKeyContext context)
    {
        using var stream = new MemoryStream();
        stream.Write(WrapLabel);
        Span<byte> length = stackalloc byte[4];
        foreach (var part in new[] { kekId, context.InstallationId, context.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            var bytes = Encoding.UTF8.GetBytes(part);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            stream.Write(length);
            stream.Write(bytes);
        }

        return stream.ToArray();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Created local keyring {KeyringFile} with a new primary KEK")]
        public static partial void KeyringCreated(ILogger logger, string keyringFile);

        [LoggerMessage(EventId = 3102, Level = LogLevel.Debug, Message = "Loaded local keyring {KeyringFile}: {Count} KEK(s), primary {PrimaryKekId}")]
        public static partial void KeyringLoaded(ILogger logger, string keyringFile, int count, string primaryKekId);

        [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Imported the former key file {LegacyKeyFile} into the keyring {KeyringFile} as its primary KEK; delete the former file once the keyring is backed up")]
        public static partial void LegacyKeyImported(ILogger logger, string legacyKeyFile, string keyringFile);

        [LoggerMessage(EventId = 3104, Level = LogLevel.Information, Message = "Added KEK {KekId} (primary: {Primary}) to {KeyringFile}")]
        public static partial void KekAdded(ILogger logger, string kekId, bool primary, string keyringFile);
    }
}
