using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Estimo.Storage.Security;

namespace Estimo.Storage.Backups;

/// <summary>Reading a backup file: unwrapping its key, decrypting and checking every chunk, digest and count.</summary>
public sealed partial class BackupService
{
    private async Task<byte[]> UnwrapAsync(BackupManifest manifest, CancellationToken cancellationToken)
    {
        byte[] wrapped;
        try
        {
            wrapped = Convert.FromBase64String(manifest.WrappedKey);
        }
        catch (FormatException ex)
        {
            throw new BackupCorruptException("the manifest's wrapped key is not base64 (the file is damaged).", ex);
        }

        try
        {
            return await _keys.UnwrapAsync(manifest.KekId, wrapped, BackupKeyContext(manifest.Id), cancellationToken);
        }
        catch (KeyProviderException ex)
        {
            throw new BackupException(
                $"backup {manifest.Id}: its key cannot be unwrapped by the {_keys.Name} key provider (KEK {manifest.KekId}): wrong keyring or KMS key, or the manifest was altered.", ex);
        }
    }

    private sealed class Payload(HashingStream encrypted, ChunkDecryptingStream decrypt, BrotliStream brotli, HashingStream plain, BufferedStream buffered, BinaryReader reader) : IDisposable
    {
        public BinaryReader Reader => reader;

        /// <summary>Checks the digests once everything was read; the final chunk must have been reached.</summary>
        public void Finish(BackupManifest manifest)
        {
            Span<byte> probe = stackalloc byte[1];
            if (buffered.Read(probe) != 0)
            {
                throw new BackupCorruptException("the backup's row stream continues after its end marker.");
            }

            if (plain.HashHex() != manifest.PlaintextSha256)
            {
                throw new BackupCorruptException("the SHA-256 of the backup's content does not match its manifest.");
            }

            if (encrypted.HashHex() != manifest.PayloadSha256 || encrypted.BytesCount != manifest.PayloadBytes)
            {
                throw new BackupCorruptException("the SHA-256 of the backup's payload does not match its manifest.");
            }
        }

        public void Dispose()
        {
            reader.Dispose();
            buffered.Dispose();
            plain.Dispose();
            brotli.Dispose();
            decrypt.Dispose();
            encrypted.Dispose();
        }
    }

    private static Payload OpenPayload(Stream stream, BackupManifest manifest, byte[] key)
    {
        if (manifest.Compression != Compression || manifest.Encryption != Encryption || manifest.ChunkSize is < 1 or > 64 * 1024 * 1024)
        {
            throw new BackupCorruptException($"the backup uses {manifest.Compression}/{manifest.Encryption}, which this build does not read.");
        }

        byte[] prefix;
        try
        {
            prefix = Convert.FromBase64String(manifest.NoncePrefix);
        }
        catch (FormatException ex)
        {
            throw new BackupCorruptException("the manifest's nonce prefix is invalid.", ex);
        }

        if (prefix.Length != 4)
        {
            throw new BackupCorruptException("the manifest's nonce prefix is invalid.");
        }

        var encrypted = new HashingStream(stream, leaveOpen: true);
        var decrypt = new ChunkDecryptingStream(encrypted, key, manifest.Binding(), prefix, manifest.ChunkSize);
        var brotli = new BrotliStream(decrypt, CompressionMode.Decompress, leaveOpen: true);
        var plain = new HashingStream(brotli, leaveOpen: true);
        var buffered = new BufferedStream(plain, 1 << 16);
        return new Payload(encrypted, decrypt, brotli, plain, buffered, RowStream.Reader(buffered));
    }

    /// <summary>Reads the whole backup: every chunk authenticated, digests, counts and schema checked against the manifest.</summary>
    public async Task<BackupVerification> VerifyAsync(string id, CancellationToken cancellationToken)
    {
        CheckId(id);
        await using var stream = await _target.OpenReadAsync(FileName(id), cancellationToken)
            ?? throw new BackupException($"backup {id} does not exist in {_target.Description}.");
        var (manifest, key) = await VerifyStreamAsync(id, stream, cancellationToken);
        CryptographicOperations.ZeroMemory(key);
        return new BackupVerification(id, manifest, stream.Length);
    }

    private async Task<(BackupManifest Manifest, byte[] Key)> VerifyStreamAsync(string id, Stream stream, CancellationToken cancellationToken)
    {
        var (manifest, _) = await BackupContainer.ReadManifestAsync(stream, cancellationToken);
        if (manifest.Kind != "backup" || manifest.Id != id)
        {
            throw new BackupCorruptException($"the file named {id} holds {manifest.Kind} {manifest.Id}.");
        }

        var key = await UnwrapAsync(manifest, cancellationToken);
        try
        {
            using var payload = OpenPayload(stream, manifest, key);
            var rows = RowStreamReader.Open(payload.Reader);
            var schemaVersion = payload.Reader.ReadString();
            if (schemaVersion != manifest.SchemaVersion || SchemaNameOf(schemaVersion) != manifest.SchemaName)
            {
                throw new BackupCorruptException("the backup's schema version does not match its manifest.");
            }

            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            while (rows.NextTable() is { } table)
            {
                var values = new object?[table.Columns.Length];
                long read = 0;
                while (rows.NextRow(values, ref read))
                {
                }

                counts[table.Name] = read;
            }

            if (counts.Count != manifest.Tables.Count || counts.Any(c => !manifest.Tables.TryGetValue(c.Key, out var n) || n != c.Value))
            {
                throw new BackupCorruptException("the backup's row counts do not match its manifest.");
            }

            payload.Finish(manifest);
            return (manifest, key);
        }
        catch (Exception ex) when (ex is InvalidDataException or DecoderFallbackException or IOException)
        {
            CryptographicOperations.ZeroMemory(key);
            throw new BackupCorruptException($"backup {id} is damaged ({ex.GetType().Name}).", ex);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(key);
            throw;
        }
    }

    internal static string SchemaNameOf(string migrationId)
    {
        var underscore = migrationId.IndexOf('_', StringComparison.Ordinal);
        return underscore >= 0 ? migrationId[(underscore + 1)..] : migrationId;
    }
}
