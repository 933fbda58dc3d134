using Estimo.Core.Security;
using Estimo.Storage.Entities;
using Estimo.Storage.Installations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Estimo.Storage.Security;

/// <summary>
/// Installations' data keys (DEKs): kept wrapped in <c>installation_keys</c>, unwrapped by the
/// <see cref="IKeyEncryptionProvider"/>, and cached unwrapped in memory, bounded in count
/// (<see cref="DataKeyCacheOptions.MaxEntries"/>) and time (<see cref="DataKeyCacheOptions.TimeToLive"/>)
/// so a request does not reach the database or KMS for a key.
/// </summary>
/// <remarks>
/// An installation's first DEK is created on its first sealed write. The current DEK is the
/// highest version without <c>retired_at</c>. Concurrent creators race on the primary key
/// (installation_id, version); the loser reads the winner's key.
/// </remarks>
internal sealed partial class DataKeyRing : IDisposable
{
    /// <summary>The KEK id recorded on a shredded DEK row, whose wrapped key is empty.</summary>
    public const string ShreddedKekId = "shredded";

    private const int MaxAttempts = 3;
    private readonly IDbContextFactory<EstimoDbContext> _contexts;
    private readonly IKeyEncryptionProvider _provider;
    private readonly TimeProvider _time;
    private readonly ILogger<DataKeyRing> _logger;
    private readonly MemoryCache _cache;
    private readonly TimeSpan _timeToLive;

    public DataKeyRing(
        IDbContextFactory<EstimoDbContext> contexts,
        IKeyEncryptionProvider provider,
        IOptions<SecurityOptions> options,
        TimeProvider time,
        ILogger<DataKeyRing> logger)
    {
        _contexts = contexts;
        _provider = provider;
        _time = time;
        _logger = logger;
        var cache = options.Value.DataKeyCache;
        _timeToLive = cache.TimeToLive;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = cache.MaxEntries * 2L });
    }

    /// <summary>The provider behind this ring.</summary>
    public IKeyEncryptionProvider Provider => _provider;

    /// <summary>The DEK that seals new values of <paramref name="installationId"/>; created on first use.</summary>
    /// <exception cref="UnknownInstallationException">The installation is not registered.</exception>
    public async ValueTask<ActiveDataKey> GetCurrentAsync(string installationId, CancellationToken cancellationToken)
    {
        var cacheKey = new CurrentKey(installationId);
        if (_cache.TryGetValue(cacheKey, out ActiveDataKey? cached) && cached is not null)
        {
            return cached;
        }

        for (var attempt = 1; ; attempt++)
        {
            await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
            var current = await db.InstallationKeys.AsNoTracking()
                .Where(k => k.InstallationId == installationId && k.RetiredAt == null)
                .OrderByDescending(k => k.Version)
                .FirstOrDefaultAsync(cancellationToken);
            if (current is not null)
            {
                var material = await UnwrapAsync(current, cancellationToken);
                return Remember(cacheKey, new ActiveDataKey(current.Version, current.KekId, material));
            }

            // After a purge (delete-now) the installation starts again above its old versions,
            // recorded on its tombstone: a version number never names two different keys.
            var next = 1 + Math.Max(
                await db.InstallationKeys.Where(k => k.InstallationId == installationId).MaxAsync(k => (int?)k.Version, cancellationToken) ?? 0,
                await db.InstallationPurges.Where(p => p.InstallationId == installationId).Select(p => (int?)p.LastKeyVersion).SingleOrDefaultAsync(cancellationToken) ?? 0);
            var generated = await _provider.GenerateDataKeyAsync(new DataKeyContext(installationId, next), cancellationToken);
            db.InstallationKeys.Add(new InstallationKeyEntity
            {
                InstallationId = installationId,
                Version = next,
                KekId = generated.KekId,
                WrappedKey = generated.Wrapped,
                CreatedAt = StorageTime.Normalize(_time.GetUtcNow()),
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                Log.DataKeyCreated(_logger, installationId, next, generated.KekId);
                return Remember(cacheKey, new ActiveDataKey(next, generated.KekId, generated.Plaintext));
            }
            catch (DbUpdateException exception) when (db.IsForeignKeyViolation(exception))
            {
                throw new UnknownInstallationException(installationId, exception);
            }
            catch (DbUpdateException exception) when (attempt < MaxAttempts && db.IsUniqueViolation(exception))
            {
                // Another writer created this version first; the next attempt uses theirs.
            }
        }
    }

    /// <summary>The DEK of <paramref name="installationId"/> at <paramref name="version"/>.</summary>
    /// <exception cref="SecretUnprotectException">No such version, it was shredded, or its KEK is unknown or does not open it.</exception>
    public async ValueTask<byte[]> GetAsync(string installationId, int version, CancellationToken cancellationToken)
    {
        var cacheKey = new VersionKey(installationId, version);
        if (_cache.TryGetValue(cacheKey, out byte[]? cached) && cached is not null)
        {
            return cached;
        }

        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.InstallationKeys.AsNoTracking()
            .SingleOrDefaultAsync(k => k.InstallationId == installationId && k.Version == version, cancellationToken)
            ?? throw new SecretUnprotectException(SecretUnprotectFailure.UnknownKey);
        var material = await UnwrapAsync(row, cancellationToken);
        _cache.Set(cacheKey, material, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _timeToLive });
        return material;
    }

    /// <summary>Forgets every cached key of the installation (after a shred or rotation in this process).</summary>
    public void Forget(string installationId, IEnumerable<int> versions)
    {
        _cache.Remove(new CurrentKey(installationId));
        foreach (var version in versions)
        {
            _cache.Remove(new VersionKey(installationId, version));
        }
    }

    public void Dispose() => _cache.Dispose();

    private async Task<byte[]> UnwrapAsync(InstallationKeyEntity row, CancellationToken cancellationToken)
    {
        if (row.WrappedKey.Length == 0)
        {
            throw new SecretUnprotectException(SecretUnprotectFailure.KeyShredded);
        }

        try
        {
            return await _provider.UnwrapAsync(row.KekId, row.WrappedKey, new DataKeyContext(row.InstallationId, row.Version), cancellationToken);
        }
        catch (UnknownKekException exception)
        {
            Log.UnknownKek(_logger, row.InstallationId, row.Version, row.KekId);
            throw new SecretUnprotectException(SecretUnprotectFailure.UnknownKey, exception);
        }
        catch (KeyProviderException exception) when (exception is not LocalKeyFileException && _provider is LocalKeyProvider)
        {
            // Locally, a wrapped key that does not open is tampered or moved, not an outage.
            Log.WrappedKeyUnreadable(_logger, row.InstallationId, row.Version, row.KekId);
            throw new SecretUnprotectException(SecretUnprotectFailure.AuthenticationFailed, exception);
        }
    }

    private ActiveDataKey Remember(CurrentKey key, ActiveDataKey value)
    {
        _cache.Set(key, value, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _timeToLive });
        return value;
    }

    private sealed record CurrentKey(string InstallationId);

    private sealed record VersionKey(string InstallationId, int Version);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3110, Level = LogLevel.Information, Message = "Created data key {Version} of installation {InstallationId}, wrapped by KEK {KekId}")]
        public static partial void DataKeyCreated(ILogger logger, string installationId, int version, string kekId);

        [LoggerMessage(EventId = 3111, Level = LogLevel.Error, Message = "Data key {Version} of installation {InstallationId} is wrapped by KEK {KekId}, which the key provider does not hold")]
        public static partial void UnknownKek(ILogger logger, string installationId, int version, string kekId);

        [LoggerMessage(EventId = 3112, Level = LogLevel.Error, Message = "Data key {Version} of installation {InstallationId} does not unwrap under KEK {KekId} (tampered or moved)")]
        public static partial void WrappedKeyUnreadable(ILogger logger, string installationId, int version, string kekId);
    }
}

/// <summary>The DEK that seals new values of an installation.</summary>
internal sealed record ActiveDataKey(int Version, string KekId, byte[] Material);
