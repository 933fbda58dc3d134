using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Estimo.Storage;

/// <summary>Migrations and readiness on the configured provider's context.</summary>
internal sealed class DatabaseMigrator(
    IDbContextFactory<EstimoDbContext> contexts,
    IOptions<StorageOptions> options,
    ILogger<DatabaseMigrator> logger) : IDatabaseMigrator, IStorageHealth
{
    private StorageProvider Provider => options.Value.Provider;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count == 0)
        {
            return;
        }

        StorageLog.ApplyingMigrations(logger, pending.Count, Provider, pending);
        await db.Database.MigrateAsync(cancellationToken);

        // Records written before the audit chain existed are chained once, right here.
        await Security.AuditChain.SealLegacyAsync(db, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> GetPendingMigrationsAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return [.. await db.Database.GetPendingMigrationsAsync(cancellationToken)];
    }

    public async Task<SchemaStatus> GetSchemaStatusAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var known = db.Database.GetMigrations().ToList();
        var applied = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).ToList();
        return new SchemaStatus(
            applied,
            [.. known.Except(applied, StringComparer.Ordinal)],
            [.. applied.Except(known, StringComparer.Ordinal)]);
    }

    public async Task<bool> CanConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var canConnect = await db.Database.CanConnectAsync(cancellationToken);
            if (!canConnect)
            {
                StorageLog.CannotConnect(logger, Provider, null);
            }

            return canConnect;
        }
#pragma warning disable CA1031 // Readiness must answer false, not throw, whatever the driver raises.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            StorageLog.CannotConnect(logger, Provider, exception);
            return false;
        }
    }
}
