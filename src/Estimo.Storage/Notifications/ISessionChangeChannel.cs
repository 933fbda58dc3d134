using System.Globalization;

namespace Estimo.Storage.Notifications;

/// <summary>
/// A committed change to a session, as announced between instances: the session's new
/// <see cref="Version"/>, or <see cref="Everything"/> when announcements may have been missed.
/// </summary>
public readonly record struct SessionChange(string? InstallationId, string? SessionId, long Version)
{
    /// <summary>Every session may have changed (the channel reconnected and may have missed announcements).</summary>
    public static SessionChange Everything { get; } = new(null, null, long.MaxValue);

    public bool IsEverything => SessionId is null;

    /// <summary><c>installationId/sessionId/version</c>. Installation ids are ARIs and contain '/', so it is read from the right.</summary>
    public string ToPayload() => string.Create(CultureInfo.InvariantCulture, $"{InstallationId}/{SessionId}/{Version}");

    public static bool TryParse(string payload, out SessionChange change)
    {
        ArgumentNullException.ThrowIfNull(payload);
        change = default;
        var versionAt = payload.LastIndexOf('/');
        var sessionAt = versionAt > 0 ? payload.LastIndexOf('/', versionAt - 1) : -1;
        if (sessionAt <= 0
            || !long.TryParse(payload.AsSpan(versionAt + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            || versionAt - sessionAt < 2)
        {
            return false;
        }

        change = new SessionChange(payload[..sessionAt], payload[(sessionAt + 1)..versionAt], version);
        return true;
    }
}

/// <summary>
/// Tells the other instances sharing the database that a session changed, and hears their
/// announcements, so a change made through one instance reaches long polls waiting on another.
/// On PostgreSQL this is <c>LISTEN/NOTIFY</c> (<see cref="PostgreSqlSessionChangeChannel"/>);
/// the embedded SQLite database serves one instance, which needs no channel.
/// </summary>
public interface ISessionChangeChannel
{
    /// <summary>
    /// Announces a committed change to every instance (this one included). Never throws: a lost
    /// announcement delays other instances' views until their next reload, it loses no data.
    /// </summary>
    Task AnnounceAsync(SessionChange change, CancellationToken cancellationToken);

    /// <summary>Registers a handler for every announcement heard. Handlers must return quickly.</summary>
    void Subscribe(Action<SessionChange> handler);
}

/// <summary>The channel of a single instance (SQLite): nothing to tell, nothing to hear.</summary>
internal sealed class SingleInstanceSessionChangeChannel : ISessionChangeChannel
{
    public Task AnnounceAsync(SessionChange change, CancellationToken cancellationToken) => Task.CompletedTask;

    public void Subscribe(Action<SessionChange> handler)
    {
    }
}
