using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Estimo.Storage.Backups;

/// <summary>
/// What a backup file says about itself, stored in clear between the header and the payload.
/// Everything but the three digest fields is bound into every payload chunk's authentication
/// tag (see <see cref="Binding"/>); the digests are checked against the payload itself. So
/// no byte of the manifest can change without the backup failing to verify.
/// </summary>
public sealed record BackupManifest
{
    /// <summary><c>backup</c> (a database snapshot) or <c>escrow</c> (the installations' wrapped data keys).</summary>
    public required string Kind { get; init; }

    public required string Id { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The cron occurrence a scheduled backup ran for; null for a manual one.</summary>
    public DateTimeOffset? ScheduledFor { get; init; }

    /// <summary>The provider the snapshot was taken from (a backup restores into either).</summary>
    public required string Provider { get; init; }

    /// <summary>The last applied migration id: the schema the rows belong to.</summary>
    public required string SchemaVersion { get; init; }

    /// <summary>The migration's name without its timestamp; equal on both providers.</summary>
    public required string SchemaName { get; init; }

    /// <summary>Rows per table in the payload, in restore (foreign-key) order.</summary>
    public required IReadOnlyDictionary<string, long> Tables { get; init; }

    public required string Compression { get; init; }

    public required string Encryption { get; init; }

    public required int ChunkSize { get; init; }

    /// <summary>The key provider that wrapped the backup key (<c>Local</c>, <c>Kms</c>).</summary>
    public required string KeyProvider { get; init; }

    /// <summary>The KEK that wraps <see cref="WrappedKey"/>.</summary>
    public required string KekId { get; init; }

    /// <summary>This backup's random AES-256 key, wrapped by <see cref="KekId"/> (base64).</summary>
    public required string WrappedKey { get; init; }

    /// <summary>The random 4-byte prefix of every chunk nonce (base64).</summary>
    public required string NoncePrefix { get; init; }

    public long? PayloadBytes { get; init; }

    /// <summary>SHA-256 (hex) of the encrypted payload as stored.</summary>
    public string? PayloadSha256 { get; init; }

    /// <summary>SHA-256 (hex) of the uncompressed, unencrypted row stream.</summary>
    public string? PlaintextSha256 { get; init; }

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>
    /// SHA-256 of the manifest with its digest fields empty: the associated data of every
    /// chunk, so editing any other manifest field (key id, schema, counts) breaks decryption.
    /// </summary>
    public byte[] Binding() =>
        SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(
            this with { SchemaVersion = string.Empty, SchemaName = string.Empty, Tables = new Dictionary<string, long>(), PayloadBytes = null, PayloadSha256 = null, PlaintextSha256 = null },
            Json));

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static BackupManifest Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return JsonSerializer.Deserialize<BackupManifest>(utf8, Json) ?? throw new BackupCorruptException("the backup's manifest is empty.");
        }
        catch (JsonException ex)
        {
            throw new BackupCorruptException("the backup's manifest is not valid JSON (the file is damaged).", ex);
        }
    }
}
