using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Estimo.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Estimo.Storage.Security;

/// <summary>
/// The hash chain over <c>audit_events</c>, and the operations on it: verify, export, anchor.
/// <para>
/// Each record's <c>hash</c> is SHA-256 over its canonical encoding: the tag
/// <c>estimo-audit-v1</c>, then each field as a 4-byte big-endian length (-1 for null)
/// followed by its UTF-8 bytes, in this order: sequence (decimal), occurred_at (UTC ticks,
/// decimal), actor, action, subject, details (the stored JSON text), installation_id,
/// operator_id, ssh_key_fingerprint, prev_hash. <c>prev_hash</c> is the previous record's hash
/// (64 zeros for sequence 1). Length prefixes make the encoding injective: no two records
/// encode alike, whatever their text.
/// </para>
/// <para>
/// Records are chained by <see cref="EstimoDbContext"/> at save time, inside the saving
/// transaction, with the chain serialised (a PostgreSQL advisory transaction lock; SQLite's
/// single writer), so concurrent appenders from several processes build one chain.
/// </para>
/// </summary>
public sealed class AuditChain
{
    /// <summary>The previous hash of the first record.</summary>
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>The action of an anchor record.</summary>
    public const string AnchorAction = "audit.anchored";

    private const string AnchorKeyContextPrefix = "estimo:audit-anchor:";
    private const int BatchSize = 1000;

    private readonly IDbContextFactory<EstimoDbContext> _contexts;
    private readonly IKeyEncryptionProvider _keys;
    private readonly TimeProvider _time;

    internal AuditChain(IDbContextFactory<EstimoDbContext> contexts, IKeyEncryptionProvider keys, TimeProvider time)
    {
        _contexts = contexts;
        _keys = keys;
        _time = time;
    }

    /// <summary>Computes a record's hash from its fields (see the class comment).</summary>
    internal static string ComputeHash(AuditEventEntity e)
    {
        using var buffer = new MemoryStream();
        buffer.Write("estimo-audit-v1"u8);
        Field(buffer, e.Sequence?.ToString(CultureInfo.InvariantCulture));
        Field(buffer, e.OccurredAt.UtcTicks.ToString(CultureInfo.InvariantCulture));
        Field(buffer, e.Actor);
        Field(buffer, e.Action);
        Field(buffer, e.Subject);
        Field(buffer, e.Details);
        Field(buffer, e.InstallationId);
        Field(buffer, e.OperatorId);
        Field(buffer, e.SshKeyFingerprint);
        Field(buffer, e.PrevHash);
        return Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    private static void Field(MemoryStream buffer, string? value)
    {
        Span<byte> length = stackalloc byte[4];
        if (value is null)
        {
            BinaryPrimitives.WriteInt32BigEndian(length, -1);
            buffer.Write(length);
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        buffer.Write(length);
        buffer.Write(bytes);
    }

    /// <summary>
    /// Chains <paramref name="appended"/> onto the head; called by <see cref="EstimoDbContext"/>
    /// inside the saving transaction after it has taken the chain lock.
    /// </summary>
    internal static async Task LinkAsync(EstimoDbContext db, IReadOnlyList<AuditEventEntity> appended, CancellationToken cancellationToken)
    {
        var head = await db.AuditEvents.AsNoTracking()
            .Where(a => a.Sequence != null)
            .OrderByDescending(a => a.Sequence)
            .Select(a => new { a.Sequence, a.Hash })
            .FirstOrDefaultAsync(cancellationToken);
        var sequence = head?.Sequence ?? 0;
        var previous = head?.Hash ?? GenesisHash;
        var actor = AuditContext.Current;
        foreach (var entity in appended)
        {
            entity.OccurredAt = StorageTime.Normalize(entity.OccurredAt);
            entity.OperatorId ??= actor?.OperatorId;
            entity.SshKeyFingerprint ??= actor?.SshKeyFingerprint;
            entity.Sequence = ++sequence;
            entity.PrevHash = previous;
            entity.Hash = ComputeHash(entity);
            previous = entity.Hash;
        }
    }

    /// <summary>
    /// Chains the records written before the chain existed, once: only while no record is
    /// chained yet, so rows left unchained later (inserted by hand) are never legitimised.
    /// Called by the migrator right after the schema migration that added the chain.
    /// </summary>
    internal static async Task SealLegacyAsync(EstimoDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.AuditEvents.AnyAsync(a => a.Sequence == null, cancellationToken)
            || await db.AuditEvents.AnyAsync(a => a.Sequence != null, cancellationToken))
        {
            return;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LockAuditChainAsync(cancellationToken);
        if (await db.AuditEvents.AnyAsync(a => a.Sequence != null, cancellationToken))
        {
            return;
        }

        var legacy = await db.AuditEvents.OrderBy(a => a.Id).ToListAsync(cancellationToken);
        var previous = GenesisHash;
        long sequence = 0;
        foreach (var entity in legacy)
        {
            entity.Sequence = ++sequence;
            entity.PrevHash = previous;
            entity.Hash = ComputeHash(entity);
            previous = entity.Hash;
        }

        await db.SaveChangesWithoutChainingAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Walks the whole chain and reports the first record that breaks it: edited (its hash
    /// does not match its fields), deleted (a gap in the sequence), inserted or reordered (its
    /// previous hash is not the previous record's hash), or unchained. Then checks every
    /// anchor record in the chain and every anchor in <paramref name="externalAnchors"/>:
    /// a valid MAC (made with a key only the key provider can unwrap) over a sequence and hash
    /// that the chain still holds — which catches a truncated tail.
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(IReadOnlyList<AuditAnchor> externalAnchors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(externalAnchors);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var unchained = await db.AuditEvents.AsNoTracking().Where(a => a.Sequence == null || a.Hash == null).OrderBy(a => a.Id).Select(a => a.Id).FirstOrDefaultAsync(cancellationToken);
        if (unchained != 0)
        {
            return AuditVerification.Broken(0, unchained, "the record is not part of the chain (inserted without a hash)");
        }

        long expected = 1;
        var previous = GenesisHash;
        var anchors = new List<AuditAnchor>();
        while (true)
        {
            var from = expected;
            var batch = await db.AuditEvents.AsNoTracking()
                .Where(a => a.Sequence >= from)
                .OrderBy(a => a.Sequence)
                .Take(BatchSize)
                .ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            foreach (var record in batch)
            {
                if (record.Sequence != expected)
                {
                    return AuditVerification.Broken(expected - 1, record.Id, $"sequence {expected} is missing (a record was deleted)");
                }

                if (!string.Equals(record.PrevHash, previous, StringComparison.Ordinal))
                {
                    return AuditVerification.Broken(expected - 1, record.Id, "its previous hash is not the hash of the record before it (a record was inserted, deleted or reordered)");
                }

                if (!string.Equals(ComputeHash(record), record.Hash, StringComparison.Ordinal))
                {
                    return AuditVerification.Broken(expected - 1, record.Id, "its hash does not match its contents (the record was edited)");
                }

                if (record.Action == AnchorAction && AuditAnchor.FromDetails(record.Details) is { } anchor)
                {
                    anchors.Add(anchor);
                }

                previous = record.Hash!;
                expected++;
            }
        }

        var head = expected - 1;
        var outside = await db.AuditEvents.AsNoTracking().Where(a => a.Sequence < 1).OrderBy(a => a.Id).Select(a => a.Id).FirstOrDefaultAsync(cancellationToken);
        if (outside != 0)
        {
            return AuditVerification.Broken(head, outside, "the record was moved out of the chain (its sequence was changed)");
        }

        foreach (var (anchor, source) in anchors.Select(a => (a, "the chain")).Concat(externalAnchors.Select(a => (a, "an exported anchor"))))
        {
            if (!await IsAuthenticAsync(anchor, cancellationToken))
            {
                return AuditVerification.Broken(head, null, $"{source} for sequence {anchor.Sequence} has an invalid signature (forged or altered)");
            }

            if (anchor.Sequence > head)
            {
                return AuditVerification.Broken(head, null, $"the chain ends at sequence {head} but {source} covers sequence {anchor.Sequence}: records were deleted from the end");
            }

            var anchored = await db.AuditEvents.AsNoTracking().Where(a => a.Sequence == anchor.Sequence).Select(a => new { a.Id, a.Hash }).SingleAsync(cancellationToken);
            if (!string.Equals(anchored.Hash, anchor.Hash, StringComparison.Ordinal))
            {
                return AuditVerification.Broken(head, anchored.Id, $"{source} for sequence {anchor.Sequence} names a different hash (the chain was rewritten)");
            }
        }

        return new AuditVerification(true, head, anchors.Count + externalAnchors.Count, null, null);
    }

    /// <summary>
    /// Signs the current head: a fresh 256-bit key from the key provider (wrapped by the KEK, so
    /// someone with only database access can neither read it nor make another), an
    /// HMAC-SHA256 with it over the head's sequence and hash, stored as a chained
    /// <c>audit.anchored</c> record and returned for export to a place the database cannot reach.
    /// </summary>
    public async Task<AuditAnchor> AnchorAsync(string actor, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var head = await db.AuditEvents.AsNoTracking().Where(a => a.Sequence != null).OrderByDescending(a => a.Sequence)
            .Select(a => new { a.Sequence, a.Hash }).FirstOrDefaultAsync(cancellationToken)
            ?? throw new InvalidOperationException("The audit log is empty; there is nothing to anchor.");
        var sequence = head.Sequence!.Value;
        var key = await _keys.GenerateDataKeyAsync(new DataKeyContext(AnchorKeyContextPrefix + sequence.ToString(CultureInfo.InvariantCulture), 1), cancellationToken);
        try
        {
            var anchor = new AuditAnchor(sequence, head.Hash!, key.KekId, Convert.ToBase64String(key.Wrapped), Mac(key.Plaintext, sequence, head.Hash!));
            AuditLog.Add(db, _time.GetUtcNow(), actor, AnchorAction, "audit", anchor.ToDetails());
            await db.SaveChangesAsync(cancellationToken);
            return anchor;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key.Plaintext);
        }
    }

    /// <summary>Writes every record with a sequence at or after <paramref name="since"/> (occurred_at) as one JSON object per line.</summary>
    public async Task<int> ExportAsync(DateTimeOffset? since, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        long after = 0;
        var count = 0;
        var from = since is null ? DateTimeOffset.MinValue : StorageTime.Normalize(since.Value);
        while (true)
        {
            var last = after;
            var batch = await db.AuditEvents.AsNoTracking().Where(a => a.Sequence > last && a.OccurredAt >= from)
                .OrderBy(a => a.Sequence).Take(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                return count;
            }

            foreach (var r in batch)
            {
                var line = new JsonObject
                {
                    ["id"] = r.Id,
                    ["sequence"] = r.Sequence,
                    ["occurredAt"] = r.OccurredAt.ToString("O", CultureInfo.InvariantCulture),
                    ["actor"] = r.Actor,
                    ["action"] = r.Action,
                    ["subject"] = r.Subject,
                    ["details"] = JsonNode.Parse(r.Details),
                    ["installationId"] = r.InstallationId,
                    ["operatorId"] = r.OperatorId,
                    ["sshKeyFingerprint"] = r.SshKeyFingerprint,
                    ["prevHash"] = r.PrevHash,
                    ["hash"] = r.Hash,
                };
                await output.WriteLineAsync(line.ToJsonString().AsMemory(), cancellationToken);
                after = r.Sequence!.Value;
                count++;
            }
        }
    }

    private async Task<bool> IsAuthenticAsync(AuditAnchor anchor, CancellationToken cancellationToken)
    {
        byte[] key;
        try
        {
            key = await _keys.UnwrapAsync(anchor.KekId, Convert.FromBase64String(anchor.WrappedKey), new DataKeyContext(AnchorKeyContextPrefix + anchor.Sequence.ToString(CultureInfo.InvariantCulture), 1), cancellationToken);
        }
        catch (Exception ex) when (ex is KeyProviderException or CryptographicException or FormatException)
        {
            return false;
        }

        try
        {
            return CryptographicOperations.FixedTimeEquals(Convert.FromHexString(Mac(key, anchor.Sequence, anchor.Hash)), SafeHex(anchor.Mac));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static byte[] SafeHex(string hex)
    {
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    private static string Mac(byte[] key, long sequence, string hash) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"estimo-audit-anchor-v1\n{sequence.ToString(CultureInfo.InvariantCulture)}\n{hash}")));
}

/// <summary>A signed statement that the chain's record <see cref="Sequence"/> had hash <see cref="Hash"/>.</summary>
public sealed record AuditAnchor(long Sequence, string Hash, string KekId, string WrappedKey, string Mac)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    internal JsonObject ToDetails() => new()
    {
        ["sequence"] = Sequence,
        ["hash"] = Hash,
        ["kek"] = KekId,
        ["wrappedKey"] = WrappedKey,
        ["mac"] = Mac,
    };

    /// <summary>One JSON line, as <c>audit anchor --out</c> appends it.</summary>
    public string ToJsonLine() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses a line written by <see cref="ToJsonLine"/>; null when it is not one.</summary>
    public static AuditAnchor? FromJsonLine(string line)
    {
        try
        {
            var anchor = JsonSerializer.Deserialize<AuditAnchor>(line, Json);
            return anchor is { Hash: not null, KekId: not null, WrappedKey: not null, Mac: not null } ? anchor : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static AuditAnchor? FromDetails(string details)
    {
        try
        {
            var node = JsonNode.Parse(details);
            return new AuditAnchor(
                node!["sequence"]!.GetValue<long>(),
                node["hash"]!.GetValue<string>(),
                node["kek"]!.GetValue<string>(),
                node["wrappedKey"]!.GetValue<string>(),
                node["mac"]!.GetValue<string>());
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            return null;
        }
    }
}

/// <summary>The outcome of <see cref="AuditChain.VerifyAsync"/>.</summary>
/// <param name="Valid">True when the chain and every anchor check out.</param>
/// <param name="VerifiedThrough">The last sequence verified as intact.</param>
/// <param name="Anchors">How many anchors were checked.</param>
/// <param name="FirstBadId">The id of the first record that breaks the chain, when one can be named.</param>
/// <param name="Problem">What is wrong.</param>
public sealed record AuditVerification(bool Valid, long VerifiedThrough, int Anchors, long? FirstBadId, string? Problem)
{
    internal static AuditVerification Broken(long through, long? id, string problem) => new(false, through, 0, id, problem);
}
