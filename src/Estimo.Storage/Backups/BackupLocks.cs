using Npgsql;

namespace Estimo.Storage.Backups;

/// <summary>
/// Locks that make one backup, one restore, one escrow rewrite and one audit anchoring run at a time across every
/// process that shares the database: on PostgreSQL a session advisory lock held on a
/// dedicated connection; on SQLite (one host) an exclusive lock on a file beside the
/// database, which also excludes a second operator CLI process.
/// </summary>
internal sealed class BackupLocks(StorageOptions storage, string dataDirectory)
{
    public const long BackupKey = 0x4553_5449_4D4F_0001;
    public const long RestoreKey = 0x4553_5449_4D4F_0002;
    public const long EscrowKey = 0x4553_5449_4D4F_0003;
    public const long AnchorKey = 0x4553_5449_4D4F_0004;

    /// <summary>Takes the lock, or returns null at once when someone else holds it.</summary>
    public async Task<IAsyncDisposable?> TryAcquireAsync(long key, CancellationToken cancellationToken)
    {
        if (storage.Provider == StorageProvider.PostgreSql)
        {
            var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(storage.PostgreSqlConnectionString()) { Pooling = false }.ConnectionString);
            try
            {
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
                command.Parameters.AddWithValue("key", key);
                if (await command.ExecuteScalarAsync(cancellationToken) is true)
                {
                    // Closing the session releases the lock, even if the process dies.
                    return connection;
                }
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }

            await connection.DisposeAsync();
            return null;
        }

        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, $"estimo-{key & 0xFFFF:x4}.lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the lock.</summary>
    public async Task<IAsyncDisposable?> AcquireAsync(long key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var held = await TryAcquireAsync(key, cancellationToken);
            if (held is not null || DateTimeOffset.UtcNow >= deadline)
            {
                return held;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }
}
