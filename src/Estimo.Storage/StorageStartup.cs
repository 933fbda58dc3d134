using Estimo.Storage.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Estimo.Storage;

/// <summary>
/// Runs when the host starts, before it serves: checks the key provider (a corrupted or too
/// open keyring, a missing primary KEK, or a KMS key that cannot be used stops start-up with
/// a message naming the problem), then applies migrations if <see cref="StorageOptions.ApplyMigrationsOnStartup"/>
/// is set (a failure then stops start-up), or else warns when the database is behind or
/// ahead of this build — or unreachable, which readiness (<see cref="IStorageHealth"/>) reports.
/// </summary>
internal sealed class StorageStartup(
    IKeyEncryptionProvider keyProvider,
    IDatabaseMigrator migrator,
    IDbContextFactory<EstimoDbContext> contexts,
    IOptions<StorageOptions> options,
    ILogger<StorageStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await keyProvider.CheckAsync(cancellationToken);

        var storage = options.Value;
        if (storage.ApplyMigrationsOnStartup)
        {
            await migrator.MigrateAsync(cancellationToken);
            await EnsureEveryKekIsHeldAsync(cancellationToken);
            return;
        }

        SchemaStatus status;
        try
        {
            status = await migrator.GetSchemaStatusAsync(cancellationToken);
        }
#pragma warning disable CA1031 // A database that is down at start-up is readiness's concern (IStorageHealth), not a crash loop.
        catch (Exception exception) when (exception is not OperationCanceledException)
#pragma warning restore CA1031
        {
            StorageLog.SchemaCheckFailed(logger, storage.Provider, exception);
            return;
        }

        if (status.IsBehind)
        {
            StorageLog.DatabaseBehind(logger, storage.Provider, status.Pending.Count, status.Pending);
        }

        if (status.IsAhead)
        {
            StorageLog.DatabaseAhead(logger, storage.Provider, status.Unknown);
        }

        if (!status.IsBehind)
        {
            await EnsureEveryKekIsHeldAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Refuses to start when data keys are wrapped by a local KEK the keyring does not hold
    /// (a lost or replaced keyring): serving would fail every sealed read and, worse, seal new
    /// values under a fresh keyring while the old data waits for the real one.
    /// </summary>
    private async Task EnsureEveryKekIsHeldAsync(CancellationToken cancellationToken)
    {
        if (keyProvider is not LocalKeyProvider local)
        {
            return;
        }

        List<(string KekId, int Count)> missing;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var held = local.KekIds.ToList();
            var rows = await db.InstallationKeys
                .Where(k => k.KekId != DataKeyRing.ShreddedKekId && !held.Contains(k.KekId))
                .GroupBy(k => k.KekId)
                .Select(g => new { g.Key, Count = g.Count() })
                .ToListAsync(cancellationToken);
            missing = [.. rows.Select(r => (r.Key, r.Count))];
        }

        if (missing.Count > 0)
        {
            throw new LocalKeyFileException(
                local.KeyringFile,
                $"it lacks KEK(s) that wrap data keys in the database: {string.Join(", ", missing.Select(m => $"{m.KekId} ({m.Count} data key(s))"))}. Restore the keyring from its backup (see docs/runbook.md).");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
