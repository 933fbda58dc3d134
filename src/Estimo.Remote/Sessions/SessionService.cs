using Estimo.Core.Poker;
using Estimo.Storage.Notifications;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Sessions;

/// <summary>What became of a session operation.</summary>
internal enum OutcomeKind
{
    Ok,
    NotFound,
    Refused,
    NoChange,
}

internal readonly record struct SessionOutcome<T>(OutcomeKind Kind, T? Value, PokerError? Error)
{
    public static SessionOutcome<T> Ok(T value) => new(OutcomeKind.Ok, value, null);

    public static SessionOutcome<T> NotFound() => new(OutcomeKind.NotFound, default, null);

    public static SessionOutcome<T> Refused(PokerError error, T current) => new(OutcomeKind.Refused, current, error);

    public static SessionOutcome<T> NoChange() => new(OutcomeKind.NoChange, default, null);
}

/// <summary>
/// Runs session operations: one at a time per session, against the cached copy, persisted
/// optimistically, and announced to long polls. Projections (views) are built under the same
/// lock, because the aggregate is mutable.
/// </summary>
internal sealed partial class SessionService(
    IPokerSessionStore store,
    SessionHub hub,
    ISessionChangeChannel changes,
    TimeProvider time,
    IOptions<SessionOptions> options,
    ILogger<SessionService> log)
{
    private const int MaxSaveAttempts = 3;

    public async Task<T> CreateAsync<T>(StoredPokerSession session, Func<StoredPokerSession, DateTimeOffset, T> project, CancellationToken cancellationToken)
    {
        await store.AddAsync(session, cancellationToken);
        var slot = hub.For(session.InstallationId, session.SessionId);
        await slot.Lock.WaitAsync(cancellationToken);
        try
        {
            slot.Session = session;
            SessionCreated(log, session.InstallationId, session.SessionId, session.Session.Issues.Count);
            return project(session, time.GetUtcNow());
        }
        finally
        {
            slot.Touch();
            slot.Lock.Release();
        }
    }

    /// <summary>
    /// Applies <paramref name="operation"/> to the session and saves it if it changed. A write
    /// lost to another instance reloads the session and applies the operation again.
    /// </summary>
    public async Task<SessionOutcome<T>> ApplyAsync<T>(
        string installationId,
        string sessionId,
        Func<StoredPokerSession, DateTimeOffset, PokerResult> operation,
        Func<StoredPokerSession, DateTimeOffset, T> project,
        CancellationToken cancellationToken)
    {
        var slot = hub.For(installationId, sessionId);
        await slot.Lock.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; attempt <= MaxSaveAttempts; attempt++)
            {
                var stored = slot.Session ??= await store.FindAsync(installationId, sessionId, cancellationToken);
                if (stored is null)
                {
                    return SessionOutcome<T>.NotFound();
                }

                var now = time.GetUtcNow();
                var loadedVersion = stored.Session.Version;
                var tick = stored.Session.Tick(now);
                var result = operation(stored, now);
                if (!tick.Changed && !result.Changed)
                {
                    return result.IsSuccess
                        ? SessionOutcome<T>.Ok(project(stored, now))
                        : SessionOutcome<T>.Refused(result.Error!, project(stored, now));
                }

                if (!await SaveAsync(slot, stored, loadedVersion, cancellationToken))
                {
                    SaveRaceLost(log, installationId, sessionId, attempt);
                    continue;
                }

                return result.IsSuccess
                    ? SessionOutcome<T>.Ok(project(stored, now))
                    : SessionOutcome<T>.Refused(result.Error!, project(stored, now));
            }

            throw new TimeoutException("The session is being changed by other instances; try again.");
        }
        finally
        {
            slot.Touch();
            slot.Lock.Release();
        }
    }

    /// <summary>
    /// The long poll: answers at once when the session is newer than <paramref name="sinceVersion"/>
    /// (or when none is given), otherwise waits for the next change, up to the configured timeout.
    /// Each poll is also the caller's presence heartbeat.
    /// </summary>
    public async Task<SessionOutcome<T>> WaitAsync<T>(
        string installationId,
        string sessionId,
        string accountId,
        long? sinceVersion,
        Func<StoredPokerSession, DateTimeOffset, T> project,
        CancellationToken cancellationToken)
    {
        var slot = hub.For(installationId, sessionId);
        var deadline = time.GetUtcNow() + options.Value.LongPollTimeout;
        long? wokenByChangeAt = null;
        while (true)
        {
            Task signal;
            await slot.Lock.WaitAsync(cancellationToken);
            try
            {
                var stored = slot.Session ??= await store.FindAsync(installationId, sessionId, cancellationToken);
                if (stored is null)
                {
                    return SessionOutcome<T>.NotFound();
                }

                var now = time.GetUtcNow();
                var loadedVersion = stored.Session.Version;
                if (stored.Session.Tick(now).Changed)
                {
                    await SaveAsync(slot, stored, loadedVersion, cancellationToken);
                    continue;
                }

                if (stored.Session.FindParticipant(accountId) is null)
                {
                    return SessionOutcome<T>.Refused(new PokerError(PokerErrorKind.Forbidden, "Join the session first."), default!);
                }

                stored.Session.Heartbeat(accountId, now);
                if (sinceVersion is null || stored.Session.Version > sinceVersion)
                {
                    var view = project(stored, now);
                    if (wokenByChangeAt is { } publishedAt)
                    {
                        // Fan-out latency: from the change being published to this poll's answer being ready.
                        RemoteMetrics.FannedOut(System.Diagnostics.Stopwatch.GetElapsedTime(publishedAt));
                    }

                    return SessionOutcome<T>.Ok(view);
                }

                signal = slot.NextChange;
            }
            finally
            {
                slot.Touch();
                slot.Lock.Release();
            }

            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return SessionOutcome<T>.NoChange();
            }

            slot.EnterWait();
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var delay = Task.Delay(remaining, time, timeout.Token);
                var first = await Task.WhenAny(signal, delay);
                await timeout.CancelAsync();
                if (first != signal)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    return SessionOutcome<T>.NoChange();
                }

                wokenByChangeAt = slot.PublishedAt;
            }
            finally
            {
                slot.LeaveWait();
            }
        }
    }

    public Task<IReadOnlyList<PokerSessionSummary>> ListAsync(string installationId, string? projectKey, SessionStatus? status, CancellationToken cancellationToken) =>
        store.ListAsync(installationId, projectKey, status, 100, cancellationToken);

    private async Task<bool> SaveAsync(SessionHub.Slot slot, StoredPokerSession stored, long loadedVersion, CancellationToken cancellationToken)
    {
        var saved = false;
        try
        {
            saved = await store.TrySaveAsync(stored, loadedVersion, cancellationToken);
        }
        finally
        {
            if (!saved)
            {
                // The in-memory copy holds a change the database did not take (a lost race,
                // or a failure): forget it, so the next operation reloads the stored state.
                slot.Session = null;
            }
        }

        if (saved)
        {
            slot.Publish();

            // Other instances drop their copy and wake their long polls. Not awaited: the write is
            // committed, and the announcement never throws (a lost one only delays other instances).
            _ = changes.AnnounceAsync(new SessionChange(stored.InstallationId, stored.SessionId, stored.Session.Version), CancellationToken.None);
        }

        return saved;
    }

    [LoggerMessage(5001, LogLevel.Information, "Session {SessionId} created for installation {InstallationId} with {IssueCount} issues")]
    private static partial void SessionCreated(ILogger logger, string installationId, string sessionId, int issueCount);

    [LoggerMessage(5002, LogLevel.Information, "Session {SessionId} of installation {InstallationId} was changed elsewhere; reloading (attempt {Attempt})")]
    private static partial void SaveRaceLost(ILogger logger, string installationId, string sessionId, int attempt);
}
