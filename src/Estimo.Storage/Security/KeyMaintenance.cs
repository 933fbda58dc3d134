using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Estimo.Core.Security;
using Estimo.Storage.Entities;
using Estimo.Storage.Installations;
using Estimo.Storage.Sessions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Estimo.Storage.Security;

/// <summary>
/// Key rotation and crypto-shredding, as the operator CLI and the uninstall purge call them.
/// Every operation writes an <c>audit_events</c> record (who, when, which keys, how many
/// rows) before it changes anything, and runs in batches that are safe to interrupt: running
/// the same operation again finishes the job, because its progress is in the data itself.
/// </summary>
public sealed class KeyMaintenance
{
    private readonly IDbContextFactory<EstimoDbContext> _contexts;
    private readonly DataKeyRing _keys;
    private readonly ISecretProtector _protector;
    private readonly TimeProvider _time;
    private readonly TimeSpan _grace;

    internal KeyMaintenance(
        IDbContextFactory<EstimoDbContext> contexts,
        DataKeyRing keys,
        ISecretProtector protector,
        IOptions<SecurityOptions> options,
        TimeProvider time)
    {
        _contexts = contexts;
        _keys = keys;
        _protector = protector;
        _time = time;
        _grace = options.Value.DataKeyCache.TimeToLive;
    }

    /// <summary>The key provider in use.</summary>
    public IKeyEncryptionProvider Provider => _keys.Provider;

    /// <summary>
    /// Throws when data keys in the database are wrapped by a local KEK the keyring does not
    /// hold (a lost or replaced keyring): serving, or operating on keys, would then fail every
    /// sealed read and seal new values under a keyring the old data knows nothing about.
    /// Under KMS there is nothing to compare locally; KMS answers for its keys.
    /// </summary>
    /// <exception cref="LocalKeyFileException">A KEK is missing; the message names it and how many data keys it wraps.</exception>
    public async Task EnsureEveryKekIsHeldAsync(CancellationToken cancellationToken)
    {
        if (_keys.Provider is not LocalKeyProvider local)
        {
            return;
        }

        var held = local.KekIds.ToList();
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var missing = await db.InstallationKeys
            .Where(k => k.KekId != DataKeyRing.ShreddedKekId && !held.Contains(k.KekId))
            .GroupBy(k => k.KekId)
            .Select(g => new { KekId = g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);
        if (missing.Count > 0)
        {
            throw new LocalKeyFileException(
                local.KeyringFile,
                $"it lacks KEK(s) that wrap data keys in the database: {string.Join(", ", missing.Select(m => $"{m.KekId} ({m.Count} data key(s))"))}. Restore the keyring from its backup (see docs/runbook.md).");
        }
    }

    /// <summary>Adds a KEK to the local keyring, optionally as primary.</summary>
    public async Task<string> AddKekAsync(string actor, bool makePrimary, CancellationToken cancellationToken)
    {
        var local = RequireLocal("add-kek");
        var kekId = LocalKeyProvider.NewKekId();
        await AuditAsync(actor, "keys.add-kek", kekId, new JsonObject { ["kek"] = kekId, ["primary"] = makePrimary, ["previousPrimary"] = local.PrimaryKekId }, cancellationToken);
        local.AddKek(kekId, makePrimary);
        return kekId;
    }

    /// <summary>
    /// Re-wraps every DEK not wrapped by the primary KEK under it, <paramref name="batchSize"/>
    /// rows per transaction. The service keeps serving: a DEK's plaintext does not change.
    /// </summary>
    public async Task<RewrapResult> RewrapAsync(string actor, int batchSize, Action<string>? report, CancellationToken cancellationToken)
    {
        var primary = _keys.Provider.PrimaryKekId;
        await using (var db = await _contexts.CreateDbContextAsync(cancellationToken))
        {
            var pending = await db.InstallationKeys.CountAsync(k => k.KekId != primary && k.KekId != DataKeyRing.ShreddedKekId, cancellationToken);
            await AuditAsync(actor, "keys.rewrap.started", primary, new JsonObject { ["primary"] = primary, ["pending"] = pending }, cancellationToken);
        }

        var total = 0;
        var from = new SortedSet<string>(StringComparer.Ordinal);
        while (true)
        {
            await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
            var batch = await db.InstallationKeys
                .Where(k => k.KekId != primary && k.KekId != DataKeyRing.ShreddedKekId)
                .OrderBy(k => k.InstallationId).ThenBy(k => k.Version)
                .Take(batchSize)
                .ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            foreach (var row in batch)
            {
                var context = new DataKeyContext(row.InstallationId, row.Version);
                var plaintext = await _keys.Provider.UnwrapAsync(row.KekId, row.WrappedKey, context, cancellationToken);
                try
                {
                    var wrapped = await _keys.Provider.WrapAsync(plaintext, context, cancellationToken);
                    from.Add(row.KekId);
                    row.KekId = wrapped.KekId;
                    row.WrappedKey = wrapped.Wrapped;
                    CryptographicOperations.ZeroMemory(wrapped.Plaintext);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(plaintext);
                }
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
                total += batch.Count;
                report?.Invoke($"rewrap: re-wrapped {batch.Count} data key(s) (total {total})");
            }
            catch (DbUpdateConcurrencyException)
            {
                // A row changed under us (shredded, rotated); the next batch re-reads it.
                report?.Invoke("rewrap: a batch raced a concurrent change; retrying it");
            }
        }

        await AuditAsync(actor, "keys.rewrap.completed", primary, new JsonObject { ["primary"] = primary, ["rewrapped"] = total, ["from"] = new JsonArray([.. from.Select(f => JsonValue.Create(f))]) }, cancellationToken);
        return new RewrapResult(primary, total, [.. from]);
    }

    /// <summary>
    /// Removes a KEK from the local keyring (or, under KMS, confirms nothing uses it). Refused
    /// while it is primary, while any DEK is wrapped by it, or while any format-1 value was
    /// sealed directly under it.
    /// </summary>
    public async Task<RetireResult> RetireKekAsync(string actor, string kekId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(kekId);
        if (kekId == _keys.Provider.PrimaryKekId)
        {
            throw new KeyMaintenanceException($"KEK '{kekId}' is the primary; add another KEK as primary and run 'keys rewrap' first.");
        }

        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var wrapping = await db.InstallationKeys.CountAsync(k => k.KekId == kekId, cancellationToken);
        if (wrapping > 0)
        {
            throw new KeyMaintenanceException($"KEK '{kekId}' still wraps {wrapping} data key(s); run 'keys rewrap' first.");
        }

        var legacy = await CountLegacyValuesAsync(kekId, cancellationToken);
        if (legacy > 0)
        {
            throw new KeyMaintenanceException($"KEK '{kekId}' is the former local key and {legacy} format-1 value(s) are still sealed under it; run 'keys rotate-dek --all' first.");
        }

        if (_keys.Provider is LocalKeyProvider local && !local.KekIds.Contains(kekId))
        {
            throw new KeyMaintenanceException($"The keyring has no KEK '{kekId}'.");
        }

        await AuditAsync(actor, "keys.retire-kek", kekId, new JsonObject { ["kek"] = kekId, ["provider"] = _keys.Provider.Name, ["dataKeysWrapped"] = 0 }, cancellationToken);
        if (_keys.Provider is LocalKeyProvider keyring)
        {
            keyring.RemoveKek(kekId);
            return new RetireResult(kekId, RemovedFromKeyring: true);
        }

        return new RetireResult(kekId, RemovedFromKeyring: false);
    }

    /// <summary>
    /// Gives one installation (or every one) a new DEK version and re-encrypts its values
    /// under it, <paramref name="batchSize"/> values per transaction. An old version is
    /// deleted once no value uses it and it was retired longer ago than the data-key cache
    /// lives (no running instance can still seal with it); until then it is kept and a rerun
    /// finishes the job. A rerun after an interruption resumes the same rotation: installations
    /// whose current DEK is newer than the rotation's start are not rotated again.
    /// </summary>
    public async Task<RotateResult> RotateDataKeysAsync(string actor, string? installationId, int batchSize, Action<string>? report, CancellationToken cancellationToken)
    {
        var subject = installationId ?? "all";
        var (cutoff, resumed) = await StartOrResumeAsync(actor, subject, cancellationToken);
        if (resumed)
        {
            report?.Invoke($"rotate-dek: resuming the rotation of {subject} begun at {cutoff:O}");
        }

        List<string> installations;
        await using (var db = await _contexts.CreateDbContextAsync(cancellationToken))
        {
            installations = installationId is null
                ? await db.Installations.OrderBy(i => i.Id).Select(i => i.Id).ToListAsync(cancellationToken)
                : await db.Installations.Where(i => i.Id == installationId).Select(i => i.Id).ToListAsync(cancellationToken);
        }

        if (installationId is not null && installations.Count == 0)
        {
            throw new KeyMaintenanceException($"No installation '{installationId}'.");
        }

        var totals = new RotateResult(subject, 0, 0, 0, 0, 0, 0, resumed);
        foreach (var id in installations)
        {
            var one = await RotateOneAsync(id, cutoff, batchSize, report, cancellationToken);
            totals = totals with
            {
                Installations = totals.Installations + 1,
                NewKeys = totals.NewKeys + one.NewKeys,
                Reencrypted = totals.Reencrypted + one.Reencrypted,
                Unreadable = totals.Unreadable + one.Unreadable,
                DeletedKeys = totals.DeletedKeys + one.DeletedKeys,
                KeptKeys = totals.KeptKeys + one.KeptKeys,
            };
        }

        var details = new JsonObject
        {
            ["installations"] = totals.Installations,
            ["newKeys"] = totals.NewKeys,
            ["valuesReencrypted"] = totals.Reencrypted,
            ["valuesUnreadable"] = totals.Unreadable,
            ["oldKeysDeleted"] = totals.DeletedKeys,
            ["oldKeysKept"] = totals.KeptKeys,
            ["startedAt"] = cutoff.ToString("O"),
        };
        var finished = totals.KeptKeys == 0 && totals.Unreadable == 0;
        await AuditAsync(actor, finished ? "keys.rotate-dek.completed" : "keys.rotate-dek.progress", subject, details, cancellationToken);
        return totals with { Finished = finished };
    }

    /// <summary>
    /// Crypto-shreds an installation: destroys every version of its DEK (the rows stay, empty,
    /// so versions never repeat), so every value still sealed for it can never be opened again
    /// (<see cref="SecretUnprotectFailure.KeyShredded"/>). The audit record and the shred are
    /// one transaction. Backups taken before still hold the wrapped DEKs until they expire.
    /// </summary>
    public async Task<ShredResult> ShredAsync(string actor, string installationId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(installationId);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var versions = await db.InstallationKeys
            .Where(k => k.InstallationId == installationId && k.KekId != DataKeyRing.ShreddedKekId)
            .Select(k => k.Version)
            .ToListAsync(cancellationToken);
        var values = await db.PokerSessions.CountAsync(s => s.InstallationId == installationId, cancellationToken)
            + await db.SystemTokens.CountAsync(t => t.InstallationId == installationId, cancellationToken);
        var now = StorageTime.Normalize(_time.GetUtcNow());
        AuditLog.Add(db, now, actor, "keys.shred", installationId, new JsonObject
        {
            ["installation"] = installationId,
            ["dataKeyVersions"] = new JsonArray([.. versions.Select(v => JsonValue.Create(v))]),
            ["valuesMadeUnreadable"] = values,
        });
        await db.SaveChangesAsync(cancellationToken);
        await db.InstallationKeys
            .Where(k => k.InstallationId == installationId && k.KekId != DataKeyRing.ShreddedKekId)
            .ExecuteUpdateAsync(k => k.SetProperty(x => x.KekId, DataKeyRing.ShreddedKekId).SetProperty(x => x.WrappedKey, []).SetProperty(x => x.RetiredAt, now), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        _keys.Forget(installationId, versions);
        return new ShredResult(installationId, versions.Count, values);
    }

    private async Task<(DateTimeOffset Cutoff, bool Resumed)> StartOrResumeAsync(string actor, string subject, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var started = await db.AuditEvents.AsNoTracking()
            .Where(a => a.Action == "keys.rotate-dek.started" && a.Subject == subject)
            .OrderByDescending(a => a.Id).FirstOrDefaultAsync(cancellationToken);
        if (started is not null)
        {
            var completedAfter = await db.AuditEvents.AnyAsync(a => a.Action == "keys.rotate-dek.completed" && a.Subject == subject && a.Id > started.Id, cancellationToken);
            if (!completedAfter)
            {
                return (started.OccurredAt, true);
            }
        }

        var now = StorageTime.Normalize(_time.GetUtcNow());
        AuditLog.Add(db, now, actor, "keys.rotate-dek.started", subject, new JsonObject { ["subject"] = subject, ["provider"] = _keys.Provider.Name, ["primary"] = _keys.Provider.PrimaryKekId });
        await db.SaveChangesAsync(cancellationToken);
        return (now, false);
    }

    private async Task<RotateResult> RotateOneAsync(string installationId, DateTimeOffset cutoff, int batchSize, Action<string>? report, CancellationToken cancellationToken)
    {
        var newKeys = 0;
        List<InstallationKeyEntity> rows;
        await using (var db = await _contexts.CreateDbContextAsync(cancellationToken))
        {
            rows = await db.InstallationKeys.Where(k => k.InstallationId == installationId).ToListAsync(cancellationToken);
            var current = rows.Where(k => k.RetiredAt is null).MaxBy(k => k.Version);
            if (current is null || current.CreatedAt < cutoff)
            {
                var next = rows.Count == 0 ? 1 : rows.Max(k => k.Version) + 1;
                var generated = await _keys.Provider.GenerateDataKeyAsync(new DataKeyContext(installationId, next), cancellationToken);
                CryptographicOperations.ZeroMemory(generated.Plaintext);
                var now = StorageTime.Normalize(_time.GetUtcNow());
                foreach (var older in rows.Where(k => k.RetiredAt is null))
                {
                    older.RetiredAt = now;
                }

                db.InstallationKeys.Add(new InstallationKeyEntity { InstallationId = installationId, Version = next, KekId = generated.KekId, WrappedKey = generated.Wrapped, CreatedAt = now });
                await db.SaveChangesAsync(cancellationToken); // one transaction: the new version takes over atomically
                newKeys = 1;
                rows = await db.InstallationKeys.AsNoTracking().Where(k => k.InstallationId == installationId).ToListAsync(cancellationToken);
            }
        }

        var currentVersion = rows.Where(k => k.RetiredAt is null).Max(k => k.Version);
        _keys.Forget(installationId, rows.Select(k => k.Version));
        var scanStartedAt = _time.GetUtcNow();
        var (reencrypted, remaining, unreadable) = await ReencryptAsync(installationId, currentVersion, batchSize, report, cancellationToken);

        var deletable = rows
            .Where(k => k.RetiredAt is { } retired && k.KekId != DataKeyRing.ShreddedKekId && retired + _grace <= scanStartedAt)
            .Select(k => k.Version)
            .ToList();
        var retiredCount = rows.Count(k => k.RetiredAt is not null && k.KekId != DataKeyRing.ShreddedKekId);
        var deleted = 0;
        if (remaining == 0 && unreadable == 0 && deletable.Count > 0)
        {
            await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
            deleted = await db.InstallationKeys
                .Where(k => k.InstallationId == installationId && deletable.Contains(k.Version))
                .ExecuteDeleteAsync(cancellationToken);
        }

        report?.Invoke($"rotate-dek: installation {installationId}: data key {currentVersion}, {reencrypted} value(s) re-encrypted, {deleted} old version(s) deleted, {retiredCount - deleted} kept");
        return new RotateResult(installationId, 1, newKeys, reencrypted, unreadable, deleted, retiredCount - deleted, false);
    }

    private async Task<(int Reencrypted, int Remaining, int Unreadable)> ReencryptAsync(string installationId, int currentVersion, int batchSize, Action<string>? report, CancellationToken cancellationToken)
    {
        int reencrypted = 0, remaining = 0, unreadable = 0;
        var after = string.Empty;
        while (true)
        {
            await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
            var batch = await db.PokerSessions.AsNoTracking()
                .Where(s => s.InstallationId == installationId && string.Compare(s.Id, after) > 0)
                .OrderBy(s => s.Id)
                .Take(batchSize)
                .Select(s => new { s.Id, s.SealedState })
                .ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            after = batch[^1].Id;
            var rewritten = 0;
            await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
            {
                foreach (var row in batch)
                {
                    var outcome = await RewriteAsync(row.SealedState, EfPokerSessionStore.Binding(installationId, row.Id), currentVersion, cancellationToken);
                    if (outcome.Value is { } value)
                    {
                        var old = row.SealedState;
                        var id = row.Id;
                        var updated = await db.PokerSessions.Where(s => s.Id == id && s.SealedState == old)
                            .ExecuteUpdateAsync(s => s.SetProperty(x => x.SealedState, value), cancellationToken);
                        rewritten += updated;
                        remaining += 1 - updated; // lost a race with the service: checked again on the next run
                    }

                    unreadable += outcome.Unreadable ? 1 : 0;
                }

                await transaction.CommitAsync(cancellationToken);
            }

            reencrypted += rewritten;
            report?.Invoke($"rotate-dek: installation {installationId}: re-encrypted a batch of {rewritten} session(s) (total {reencrypted})");
        }

        await using (var db = await _contexts.CreateDbContextAsync(cancellationToken))
        {
            var token = await db.SystemTokens.AsNoTracking().Where(t => t.InstallationId == installationId).Select(t => t.SealedToken).SingleOrDefaultAsync(cancellationToken);
            if (token is not null)
            {
                var outcome = await RewriteAsync(token, EfSystemTokenCache.Binding(installationId), currentVersion, cancellationToken);
                if (outcome.Value is { } value)
                {
                    var updated = await db.SystemTokens.Where(t => t.InstallationId == installationId && t.SealedToken == token)
                        .ExecuteUpdateAsync(t => t.SetProperty(x => x.SealedToken, value), cancellationToken);
                    reencrypted += updated;
                    remaining += 1 - updated;
                }

                unreadable += outcome.Unreadable ? 1 : 0;
            }
        }

        return (reencrypted, remaining, unreadable);
    }

    /// <summary>The value re-sealed under the current DEK, or null when it already is (or cannot be opened).</summary>
    private async Task<(byte[]? Value, bool Unreadable)> RewriteAsync(byte[] sealedValue, SecretBinding binding, int currentVersion, CancellationToken cancellationToken)
    {
        byte[] plaintext;
        try
        {
            var header = SealedValueFormat.ReadHeader(sealedValue);
            if (header.Format == SealedValueFormat.Version2 && header.DekVersion == currentVersion)
            {
                return (null, false);
            }

            plaintext = await _protector.UnprotectAsync(sealedValue, binding, cancellationToken);
        }
        catch (SecretUnprotectException)
        {
            // Left as it is (and logged by the protector): never written back half-done.
            return (null, true);
        }

        try
        {
            return (await _protector.ProtectAsync(plaintext, binding, cancellationToken), false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private async Task<int> CountLegacyValuesAsync(string keyId, CancellationToken cancellationToken)
    {
        var count = 0;
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        await foreach (var value in db.PokerSessions.AsNoTracking().Select(s => s.SealedState).Concat(db.SystemTokens.AsNoTracking().Select(t => t.SealedToken)).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            if (value.Length > 1 && value[0] == SealedValueFormat.Version1)
            {
                try
                {
                    count += SealedValueFormat.ReadHeader(value).KekId == keyId ? 1 : 0;
                }
                catch (SecretUnprotectException)
                {
                    // Malformed: not sealed under this key in any way that could be opened.
                }
            }
        }

        return count;
    }

    private async Task AuditAsync(string actor, string action, string subject, JsonObject details, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        AuditLog.Add(db, _time.GetUtcNow(), actor, action, subject, details);
        await db.SaveChangesAsync(cancellationToken);
    }

    private LocalKeyProvider RequireLocal(string command) =>
        _keys.Provider as LocalKeyProvider
        ?? throw new KeyMaintenanceException($"'keys {command}' manages the local keyring; with Security:KeyProvider={_keys.Provider.Name}, create or rotate the key in KMS instead.");
}

/// <summary>What <see cref="KeyMaintenance.RewrapAsync"/> did.</summary>
public sealed record RewrapResult(string Primary, int Rewrapped, IReadOnlyList<string> From);

/// <summary>What <see cref="KeyMaintenance.RetireKekAsync"/> did.</summary>
public sealed record RetireResult(string KekId, bool RemovedFromKeyring);

/// <summary>What <see cref="KeyMaintenance.RotateDataKeysAsync"/> did.</summary>
public sealed record RotateResult(string Subject, int Installations, int NewKeys, int Reencrypted, int Unreadable, int DeletedKeys, int KeptKeys, bool Resumed)
{
    /// <summary>True when no old version is left and every value opened.</summary>
    public bool Finished { get; init; }
}

/// <summary>What <see cref="KeyMaintenance.ShredAsync"/> did.</summary>
public sealed record ShredResult(string InstallationId, int DataKeyVersions, int ValuesMadeUnreadable);

/// <summary>A key operation was refused for a reason the operator can act on.</summary>
public sealed class KeyMaintenanceException : Exception
{
    public KeyMaintenanceException(string message)
        : base(message)
    {
    }

    public KeyMaintenanceException()
    {
    }

    public KeyMaintenanceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
