using Npgsql;

namespace Estimo.Storage.Backups;

/// <summary>
/// Locks that make one backup, one restore, one escrow rewrite and one audit anchoring run at a time across every
/// process that shares the database: on PostgreSQL a session advisory lock held on a
/// dedicated connection; on SQLite (one host) an exclusive lock on a file beside the
/// database, which also excludes a second operator CLI process.
/// The database-in-use lock (<see cref="InUseKey"/>) has two modes: every running remote holds
/// it shared for its lifetime (<see cref="TryAcquireInUseAsync"/>), a real restore takes it
/// exclusively, so a restore and a remote exclude each other.
/// </summary>
internal sealed class BackupLocks(StorageOptions storage, string dataDirectory)
{
    public const long BackupKey = 0x4553_5449_4D4F_0001;
    public const long RestoreKey = 0x4553_5449_4D4F_0002;
    public const long EscrowKey = 0x4553_5449_4D4F_0003;
    public const long AnchorKey = 0x4553_5449_4D4F_0004;
    public const long InUseKey = 0x4553_5449_4D4F_0005;

    /// <summary>The SQLite database-in-use lock file, in the data directory beside <c>estimo.db</c>.</summary>
    public const string InUseFileName = StorageOptions.SqliteFileName + ".inuse";

    public string InUseFilePath => Path.Combine(dataDirectory, InUseFileName);

    /// <summary>Takes the lock, or returns null at once when someone else holds it.</summary>
    public async Task<IAsyncDisposable?> TryAcquireAsync(long key, CancellationToken cancellationToken)
    {
        if (storage.Provider == StorageProvider.PostgreSql)
        {
            return await TryAdvisoryLockAsync("pg_try_advisory_lock", key, applicationName: null, cancellationToken);
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

    /// <summary>
    /// Takes the database-in-use lock shared (a remote; several at once) or exclusive (a
    /// restore), or returns null at once when it is held in the other mode. On PostgreSQL the
    /// result is the open <see cref="NpgsqlConnection"/> whose session holds the lock.
    /// </summary>
    public async Task<IAsyncDisposable?> TryAcquireInUseAsync(bool exclusive, string applicationName, CancellationToken cancellationToken)
    {
        if (storage.Provider == StorageProvider.PostgreSql)
        {
            return await TryAdvisoryLockAsync(exclusive ? "pg_try_advisory_lock" : "pg_try_advisory_lock_shared", InUseKey, applicationName, cancellationToken);
        }

        Directory.CreateDirectory(dataDirectory);
        try
        {
            // On Linux and macOS .NET takes flock(2) on the open file: FileShare.None is
            // LOCK_EX, any other share with read-only access is LOCK_SH; both are released
            // when the handle closes, including when the process dies.
            return exclusive
                ? new FileStream(InUseFilePath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None)
                : new FileStream(InUseFilePath, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// How many PostgreSQL sessions hold the database-in-use lock shared (the running remotes),
    /// or null on SQLite, where a file lock's holders cannot be counted.
    /// </summary>
    public async Task<int?> CountInUseHoldersAsync(CancellationToken cancellationToken)
    {
        if (storage.Provider != StorageProvider.PostgreSql)
        {
            return null;
        }

        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(storage.PostgreSqlConnectionString()) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);

        // A bigint advisory key shows in pg_locks as classid (high 32 bits), objid (low 32 bits), objsubid 1.
        await using var command = new NpgsqlCommand(
            "SELECT count(DISTINCT pid) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ShareLock' AND granted "
            + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            + "AND classid::bigint = @high AND objid::bigint = @low AND objsubid = 1",
            connection);
        command.Parameters.AddWithValue("high", (InUseKey >> 32) & 0xFFFF_FFFF);
        command.Parameters.AddWithValue("low", InUseKey & 0xFFFF_FFFF);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
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

    /// <summary>
    /// Opens a dedicated (unpooled) session and calls <paramref name="function"/> on
    /// <paramref name="key"/>: the open connection when it granted the lock, else null. Closing
    /// the session releases the lock, even if the process dies.
    /// </summary>
    private async Task<NpgsqlConnection?> TryAdvisoryLockAsync(string function, long key, string? applicationName, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(storage.PostgreSqlConnectionString()) { Pooling = false };
        if (applicationName is not null)
        {
            builder.ApplicationName = applicationName;
        }

        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand($"SELECT {function}(@key)", connection);
            command.Parameters.AddWithValue("key", key);
            if (await command.ExecuteScalarAsync(cancellationToken) is true)
            {
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
}
