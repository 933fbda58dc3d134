using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Estimo.Storage.Notifications;

/// <summary>
/// Session change announcements over PostgreSQL <c>LISTEN/NOTIFY</c> on the channel
/// <c>estimo_sessions</c>, payload <c>installationId/sessionId/version</c>.
/// </summary>
/// <remarks>
/// One dedicated, unpooled connection per instance listens for the life of the process
/// (<see cref="ListenAsync"/>, run by <see cref="SessionChangeListener"/>); announcements go
/// through a small pooled data source with <c>pg_notify</c>. If the listening connection drops,
/// announcements made meanwhile are lost, so after every reconnect the channel reports
/// <see cref="SessionChange.Everything"/> and the subscribers reload what they cache.
/// PostgreSQL delivers a notification only when the announcing transaction commits, in commit
/// order, to every listening session; payloads are limited to 8000 bytes (ours are ~100).
/// </remarks>
public sealed partial class PostgreSqlSessionChangeChannel : ISessionChangeChannel, IAsyncDisposable
{
    public const string ChannelName = "estimo_sessions";
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly Lazy<NpgsqlDataSource> _announcer;
    private readonly string _listenConnectionString;
    private readonly ILogger<PostgreSqlSessionChangeChannel> _log;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile Action<SessionChange>[] _handlers = [];

    public PostgreSqlSessionChangeChannel(IOptions<StorageOptions> options, ILogger<PostgreSqlSessionChangeChannel> log)
    {
        ArgumentNullException.ThrowIfNull(options);
        var connectionString = options.Value.PostgreSqlConnectionString()
            ?? throw new InvalidOperationException("Storage:ConnectionString (or Storage:Host) is required for PostgreSQL.");
        _log = log;
        _listenConnectionString = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false,
            KeepAlive = 15,
            ApplicationName = "estimo-session-listener",
        }.ConnectionString;
        var announce = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 8, ApplicationName = "estimo-session-announcer" }.ConnectionString;
        _announcer = new Lazy<NpgsqlDataSource>(() => NpgsqlDataSource.Create(announce));
    }

    /// <summary>Completes once this instance first listens; tests and benchmarks wait on it.</summary>
    public Task Listening => _listening.Task;

    public void Subscribe(Action<SessionChange> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_listening)
        {
            _handlers = [.. _handlers, handler];
        }
    }

    public async Task AnnounceAsync(SessionChange change, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = _announcer.Value.CreateCommand("SELECT pg_notify($1, $2)");
            command.Parameters.Add(new NpgsqlParameter { Value = ChannelName });
            command.Parameters.Add(new NpgsqlParameter { Value = change.ToPayload() });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException or IOException or OperationCanceledException)
        {
            AnnounceFailed(_log, change.SessionId ?? "-", ex);
        }
    }

    /// <summary>Listens until <paramref name="stoppingToken"/> fires, reconnecting with back-off.</summary>
    public async Task ListenAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        var connectedBefore = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_listenConnectionString);
                connection.Notification += (_, e) => OnNotification(e.Payload);
                await connection.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {ChannelName}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                if (connectedBefore)
                {
                    Reconnected(_log);
                    Dispatch(SessionChange.Everything);
                }

                connectedBefore = true;
                backoff = TimeSpan.FromMilliseconds(250);
                _listening.TrySetResult();
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException or IOException)
            {
                ListenFailed(_log, backoff.TotalSeconds, ex);
                if (connectedBefore)
                {
                    // Announcements made while we were away are lost: make everyone reload.
                    Dispatch(SessionChange.Everything);
                }

                await Task.Delay(backoff, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_announcer.IsValueCreated)
        {
            await _announcer.Value.DisposeAsync();
        }
    }

    private void OnNotification(string payload)
    {
        if (SessionChange.TryParse(payload, out var change))
        {
            Dispatch(change);
        }
        else
        {
            MalformedPayload(_log);
        }
    }

    private void Dispatch(SessionChange change)
    {
        foreach (var handler in _handlers)
        {
            handler(change);
        }
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Could not announce the change of session {SessionId} to other instances; they will see it at their next reload")]
    private static partial void AnnounceFailed(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "Listening for session changes failed; retrying in {BackoffSeconds} s")]
    private static partial void ListenFailed(ILogger logger, double backoffSeconds, Exception exception);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Information, Message = "Listening for session changes again; cached sessions are reloaded")]
    private static partial void Reconnected(ILogger logger);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Warning, Message = "Ignored a malformed session change notification")]
    private static partial void MalformedPayload(ILogger logger);
}

/// <summary>Runs the PostgreSQL listener for the life of the host (nothing to do on SQLite).</summary>
internal sealed class SessionChangeListener(ISessionChangeChannel channel) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        channel is PostgreSqlSessionChangeChannel postgres ? postgres.ListenAsync(stoppingToken) : Task.CompletedTask;
}
