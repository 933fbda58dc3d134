using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Estimo.Storage.Backups;

/// <summary>
/// A throw-away database of the configured provider for dry runs and drills: a SQLite file in
/// the backups' working directory, or a PostgreSQL database created on the same server (the
/// role needs CREATEDB). Disposing drops it.
/// </summary>
internal sealed class ScratchDatabase : IAsyncDisposable
{
    private readonly Func<Task> _drop;

    private ScratchDatabase(IDbContextFactory<EstimoDbContext> factory, Func<Task> drop)
    {
        Factory = factory;
        _drop = drop;
    }

    public IDbContextFactory<EstimoDbContext> Factory { get; }

    public static async Task<ScratchDatabase> CreateAsync(StorageOptions storage, string workDirectory, CancellationToken cancellationToken)
    {
        var name = $"estimo_scratch_{Guid.NewGuid():N}";
        if (storage.Provider == StorageProvider.PostgreSql)
        {
            var server = new NpgsqlConnectionStringBuilder(storage.PostgreSqlConnectionString()!) { Pooling = false };
            await using (var connection = new NpgsqlConnection(server.ConnectionString))
            {
                await connection.OpenAsync(cancellationToken);
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            var scratch = new NpgsqlConnectionStringBuilder(storage.PostgreSqlConnectionString()!) { Database = name, Pooling = false }.ConnectionString;
            var options = new DbContextOptionsBuilder<PostgreSqlEstimoDbContext>().UseNpgsql(scratch).Options;
            return new ScratchDatabase(new ContextFactory(() => new PostgreSqlEstimoDbContext(options)), async () =>
            {
                await using var connection = new NpgsqlConnection(server.ConnectionString);
                await connection.OpenAsync(CancellationToken.None);
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
                await drop.ExecuteNonQueryAsync(CancellationToken.None);
            });
        }

        new LocalDirectoryBackupTarget(workDirectory).EnsureDirectory();
        var file = Path.Combine(workDirectory, $".{name}.db");
        await LocalDirectoryBackupTarget.OpenPrivate(file, FileMode.CreateNew, FileAccess.Write).DisposeAsync(); // 0600 before SQLite opens it
        var sqlite = new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString();
        var sqliteOptions = new DbContextOptionsBuilder<SqliteEstimoDbContext>().UseSqlite(sqlite).Options;
        return new ScratchDatabase(new ContextFactory(() => new SqliteEstimoDbContext(sqliteOptions)), () =>
        {
            foreach (var path in new[] { file, file + "-wal", file + "-shm", file + "-journal" })
            {
                File.Delete(path);
            }

            return Task.CompletedTask;
        });
    }

    public async ValueTask DisposeAsync() => await _drop();

    private sealed class ContextFactory(Func<EstimoDbContext> create) : IDbContextFactory<EstimoDbContext>
    {
        public EstimoDbContext CreateDbContext() => create();
    }
}
