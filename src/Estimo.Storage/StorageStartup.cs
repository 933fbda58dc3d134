using Estimo.Storage.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Estimo.Storage;

/// <summary>
/// Runs when the host starts, before it serves: loads the local key (so a bad key file stops
/// start-up), then applies migrations if <see cref="StorageOptions.ApplyMigrationsOnStartup"/>
/// is set, or else warns when the database is behind or ahead of this build.
/// </summary>
internal sealed class StorageStartup(
    LocalKeySecretProtector protector,
    IDatabaseMigrator migrator,
    IOptions<StorageOptions> options,
    ILogger<StorageStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        protector.EnsureKeyLoaded();

        var storage = options.Value;
        if (storage.ApplyMigrationsOnStartup)
        {
            await migrator.MigrateAsync(cancellationToken);
            return;
        }

        var status = await migrator.GetSchemaStatusAsync(cancellationToken);
        if (status.IsBehind)
        {
            StorageLog.DatabaseBehind(logger, storage.Provider, status.Pending.Count, status.Pending);
        }

        if (status.IsAhead)
        {
            StorageLog.DatabaseAhead(logger, storage.Provider, status.Unknown);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
