using Estimo.Storage.Notifications;

namespace Estimo.Remote.Sessions;

/// <summary>
/// Brings other instances' session changes into this instance: when the database announces a
/// version newer than the copy cached here, the copy is dropped and the session's long polls are
/// woken; they reload it from the database and answer. Announcements of this instance's own
/// writes find the copy already current and are ignored.
/// </summary>
internal sealed partial class SessionChangeRelay(ISessionChangeChannel channel, SessionHub hub, ILogger<SessionChangeRelay> log) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        channel.Subscribe(OnChange);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Called on the channel's thread, so it stays short: a dictionary lookup, and per affected
    /// session a check under its lock (awaited on the thread pool if the lock is busy). The woken
    /// long polls continue on the thread pool (the signal runs continuations asynchronously).
    /// </summary>
    internal void OnChange(SessionChange change)
    {
        if (change.IsEverything)
        {
            EverythingStale(log, hub.Count);
            foreach (var slot in hub.Slots)
            {
                _ = RefreshAsync(slot, change.Version);
            }
        }
        else if (hub.TryGet(change.InstallationId!, change.SessionId!, out var slot))
        {
            _ = RefreshAsync(slot, change.Version);
        }
    }

    private static async Task RefreshAsync(SessionHub.Slot slot, long version)
    {
        bool stale;
        await slot.Lock.WaitAsync();
        try
        {
            stale = slot.Session is not { } cached || cached.Session.Version < version;
            if (stale)
            {
                slot.Session = null;
            }
        }
        finally
        {
            slot.Lock.Release();
        }

        if (stale)
        {
            slot.Publish();
        }
    }

    [LoggerMessage(5010, LogLevel.Information, "Session changes may have been missed; reloading the {Count} sessions held here")]
    private static partial void EverythingStale(ILogger logger, int count);
}
