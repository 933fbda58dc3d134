using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Estimo.Storage;

/// <summary>
/// Hands out pooled contexts of the configured provider as <see cref="EstimoDbContext"/>, so
/// stores are written once against the shared model. The provider is read from the validated
/// options when the factory is first used, not while services are registered.
/// </summary>
internal sealed class EstimoDbContextFactory : IDbContextFactory<EstimoDbContext>
{
    private readonly Func<EstimoDbContext> _create;

    public EstimoDbContextFactory(IOptions<StorageOptions> options, StoragePaths paths, ILoggerFactory loggerFactory)
    {
        var storage = options.Value;
        _create = storage.Provider switch
        {
            StorageProvider.Sqlite => new PooledDbContextFactory<SqliteEstimoDbContext>(
                new DbContextOptionsBuilder<SqliteEstimoDbContext>()
                    .UseSqlite(paths.SqliteConnectionString(storage))
                    .UseLoggerFactory(loggerFactory)
                    .Options).CreateDbContext,
            StorageProvider.PostgreSql => new PooledDbContextFactory<PostgreSqlEstimoDbContext>(
                new DbContextOptionsBuilder<PostgreSqlEstimoDbContext>()
                    .UseNpgsql(storage.PostgreSqlConnectionString())
                    .UseLoggerFactory(loggerFactory)
                    .Options).CreateDbContext,
            _ => throw new InvalidOperationException($"Storage:Provider '{storage.Provider}' is not supported."),
        };
    }

    public EstimoDbContext CreateDbContext() => _create();
}
