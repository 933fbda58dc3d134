using System.Data.Common;
using Estimo.Storage.Backups;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Estimo.Storage;

/// <summary>
/// Holds the database-in-use lock for the lifetime of a remote process, so a real restore
/// (which takes the same lock exclusively) refuses while any remote runs against the database.
/// PostgreSQL: a session-level shared advisory lock on one dedicated connection
/// (application name <c>estimo-remote (database in use)</c>); SQLite: a shared flock on
/// <c>estimo.db.inuse</c> in the data directory.
/// </summary>
/// <remarks>
/// Start-up fails with <see cref="DatabaseRestoringException"/> when a restore holds the lock
/// (the remote does not wait: its supervisor restarts it). A database that cannot be reached at
/// start-up does not stop the remote; the lock is then taken by the watch loop. The loop
/// checks the PostgreSQL connection every <c>checkInterval</c>; when it has dropped (the lock
/// went with it) it reconnects and takes the lock again. While the lock is not held,
/// <see cref="IsHeld"/> is false and the remote's readiness reports it.
/// </remarks>
public sealed partial class DatabaseInUseLock : IHostedService, IAsyncDisposable
{
    public const string ApplicationName = "estimo-remote (database in use)";

    /// <summary>The PostgreSQL advisory lock key (shared by remotes, exclusive for a restore).</summary>
    public const long AdvisoryLockKey = BackupLocks.InUseKey;

    private readonly BackupLocks _locks;
    private readonly StorageProvider _provider;
    private readonly TimeSpan _checkInterval;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private IAsyncDisposable? _held;
    private Task? _watch;
    private int _disposed;

    internal DatabaseInUseLock(BackupLocks locks, StorageProvider provider, TimeSpan checkInterval, ILogger logger)
    {
        _locks = locks;
        _provider = provider;
        _checkInterval = checkInterval;
        _log = logger;
    }

    /// <summary>Whether this process holds the lock right now.</summary>
    public bool IsHeld => Volatile.Read(ref _held) is not null;

    /// <summary>Why the lock is not held (null while it is); a short phrase, no data.</summary>
    public string? Problem { get; private set; } = "not taken yet";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        bool? taken;
        try
        {
            taken = await TryTakeAsync(cancellationToken);
        }
        catch (Exception exception) when (IsUnreachable(exception))
        {
            Problem = "the database cannot be reached";
            Log.Unreachable(_log, _provider, exception);
            taken = false;
        }

        if (taken is null)
        {
            throw new DatabaseRestoringException(
                "a restore is running against this database (it holds the database-in-use lock); start the remote after the restore has finished.");
        }

        _watch = Task.Run(() => WatchAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_watch is not null)
        {
            try
            {
                await _watch.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Stopping: the loop ends at its next await.
            }
        }

        await ReleaseAsync();
    }

    public async ValueTask DisposeAsync()
    {
        // The container disposes it once per registration (itself and as a hosted service).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        await ReleaseAsync();
        _stopping.Dispose();
        _gate.Dispose();
    }

    /// <summary>One pass of the watch loop: check the held connection, re-take a lost lock.</summary>
    internal async Task CheckAsync(CancellationToken cancellationToken)
    {
        if (_held is NpgsqlConnection connection)
        {
            try
            {
                await using var ping = new NpgsqlCommand("SELECT 1", connection);
                await ping.ExecuteScalarAsync(cancellationToken);
                return;
            }
            catch (Exception exception) when (IsUnreachable(exception) || exception is InvalidOperationException)
            {
                Problem = "the connection holding it dropped";
                Log.Lost(_log, exception);
                await ReleaseAsync();
            }
        }
        else if (_held is not null)
        {
            return;
        }

        try
        {
            if (await TryTakeAsync(cancellationToken) is null)
            {
                Problem = "a restore holds it";
                Log.RestoreRunning(_log);
            }
        }
        catch (Exception exception) when (IsUnreachable(exception))
        {
            Problem = "the database cannot be reached";
            Log.Unreachable(_log, _provider, exception);
        }
    }

    /// <summary>True when taken, false when already held, null when a restore holds it.</summary>
    private async Task<bool?> TryTakeAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_held is not null)
            {
                return false;
            }

            var held = await _locks.TryAcquireInUseAsync(exclusive: false, ApplicationName, cancellationToken);
            if (held is null)
            {
                return null;
            }

            Volatile.Write(ref _held, held);
            Problem = null;
            Log.Taken(_log, _provider);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ReleaseAsync()
    {
        var held = Interlocked.Exchange(ref _held, null);
        if (held is not null)
        {
            await held.DisposeAsync();
        }
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_checkInterval, cancellationToken);
                await CheckAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The watch must outlive any one failed check; readiness reports the lock's state.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Problem = "the last check failed";
                Log.CheckFailed(_log, exception);
            }
        }
    }

    private static bool IsUnreachable(Exception exception) =>
        exception is DbException or TimeoutException or System.Net.Sockets.SocketException or IOException or UnauthorizedAccessException;

    private static partial class Log
    {
        [LoggerMessage(EventId = 3030, Level = LogLevel.Information, Message = "Holding the database-in-use lock on the {Provider} database (a restore refuses while this remote runs)")]
        public static partial void Taken(ILogger logger, StorageProvider provider);

        [LoggerMessage(EventId = 3031, Level = LogLevel.Warning, Message = "Cannot take the database-in-use lock: the {Provider} database cannot be reached; retrying, readiness reports it")]
        public static partial void Unreachable(ILogger logger, StorageProvider provider, Exception exception);

        [LoggerMessage(EventId = 3032, Level = LogLevel.Warning, Message = "The connection holding the database-in-use lock dropped; taking the lock again")]
        public static partial void Lost(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 3034, Level = LogLevel.Error, Message = "Checking the database-in-use lock failed unexpectedly; checking again at the next interval")]
        public static partial void CheckFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 3033, Level = LogLevel.Error, Message = "A restore holds the database-in-use lock while this remote runs; stop this remote until the restore has finished")]
        public static partial void RestoreRunning(ILogger logger);
    }
}

/// <summary>A restore holds the database-in-use lock, so a remote must not start against the database.</summary>
public sealed class DatabaseRestoringException : Exception
{
    public DatabaseRestoringException(string message)
        : base(message)
    {
    }

    public DatabaseRestoringException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DatabaseRestoringException()
    {
    }
}

/// <summary>Registers <see cref="DatabaseInUseLock"/> (hosts that serve the database: the remote, never the operator CLI).</summary>
public static class DatabaseInUseLockServiceCollectionExtensions
{
    /// <summary>How often the remote checks the connection holding the lock.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Call before <c>AddEstimoStorage</c> so the lock is taken before start-up migrations run.
    /// </summary>
    public static IServiceCollection AddEstimoDatabaseInUseLock(this IServiceCollection services)
    {
        services.TryAddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return new DatabaseInUseLock(
                new BackupLocks(storage, sp.GetRequiredService<StoragePaths>().DataDirectory(storage)),
                storage.Provider,
                CheckInterval,
                sp.GetRequiredService<ILogger<DatabaseInUseLock>>());
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DatabaseInUseLock>(sp => sp.GetRequiredService<DatabaseInUseLock>()));
        return services;
    }
}
