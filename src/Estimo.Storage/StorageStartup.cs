using Estimo.Storage.Security;
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
    KeyMaintenance keyMaintenance,
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

    private Task EnsureEveryKekIsHeldAsync(CancellationToken cancellationToken) =>
        keyMaintenance.EnsureEveryKekIsHeldAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
