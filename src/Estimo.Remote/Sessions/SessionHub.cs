using System.Collections.Concurrent;
using Estimo.Core.Poker;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Sessions;

/// <summary>
/// The live side of sessions in one instance: one lock per session (operations on a session
/// run one at a time), the sessions in memory (so a poll does not read the database), and a
/// signal per session that wakes long polls when its version moves.
/// </summary>
/// <remarks>
/// The database stays the source of truth: writes are optimistic on the version, and a lost
/// race drops the cached copy and reloads. Other instances' writes arrive through the database's
/// change channel (<see cref="SessionChangeRelay"/>), which drops the stale copy and wakes the
/// waiters here (docs/performance.md).
/// </remarks>
internal sealed class SessionHub
{
    private readonly ConcurrentDictionary<SessionKey, Slot> _slots = new();
    private readonly int _maxSessions;

    public SessionHub(IOptions<SessionOptions> options) => _maxSessions = options.Value.MaxCachedSessions;

    public int Count => _slots.Count;

    public Slot For(string installationId, string sessionId)
    {
        var key = new SessionKey(installationId, sessionId);
        if (_slots.TryGetValue(key, out var slot))
        {
            return slot;
        }

        if (_slots.Count >= _maxSessions)
        {
            EvictIdle(TimeSpan.Zero);
        }

        return _slots.GetOrAdd(key, static _ => new Slot());
    }

    /// <summary>
    /// Sessions with a waiting long poll or used within <paramref name="window"/>, and the long
    /// polls waiting (connected participants). Lock-free counts for the metrics gauges.
    /// </summary>
    public (int Sessions, int Participants) Activity(TimeSpan window)
    {
        var cutoff = Environment.TickCount64 - (long)window.TotalMilliseconds;
        int sessions = 0, participants = 0;
        foreach (var slot in _slots.Values)
        {
            var waiters = slot.Waiters;
            participants += waiters;
            if (waiters > 0 || slot.LastUsed > cutoff)
            {
                sessions++;
            }
        }

        return (sessions, participants);
    }

    /// <summary>The slot of a session this instance holds or waits on, without creating one.</summary>
    public bool TryGet(string installationId, string sessionId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Slot? slot) =>
        _slots.TryGetValue(new SessionKey(installationId, sessionId), out slot);

    /// <summary>A snapshot of every slot held now.</summary>
    public IEnumerable<Slot> Slots => _slots.Values;

    /// <summary>
    /// Drops the cached copies of an installation's sessions (after a purge or an erasure changed
    /// them under us) and wakes their long polls, which reload from the database.
    /// </summary>
    public async Task ForgetAsync(string installationId, IReadOnlySet<string>? sessionIds = null)
    {
        foreach (var (key, slot) in _slots)
        {
            if (key.InstallationId != installationId || (sessionIds is not null && !sessionIds.Contains(key.SessionId)))
            {
                continue;
            }

            await slot.Lock.WaitAsync();
            try
            {
                slot.Session = null;
            }
            finally
            {
                slot.Lock.Release();
            }

            slot.Publish();
        }
    }

    /// <summary>Drops in-memory copies idle for longer than <paramref name="idleFor"/> that nobody is waiting on.</summary>
    public void EvictIdle(TimeSpan idleFor)
    {
        var cutoff = Environment.TickCount64 - (long)idleFor.TotalMilliseconds;
        foreach (var (key, slot) in _slots)
        {
            if (slot.LastUsed <= cutoff && slot.Waiters == 0 && slot.Lock.CurrentCount == 1)
            {
                _slots.TryRemove(new KeyValuePair<SessionKey, Slot>(key, slot));
            }
        }
    }

    internal readonly record struct SessionKey(string InstallationId, string SessionId);

    /// <summary>One session's lock, cached copy and change signal.</summary>
    internal sealed class Slot
    {
        private TaskCompletionSource _changed = NewSignal();
        private int _waiters;
        private long _publishedAt;

        public SemaphoreSlim Lock { get; } = new(1, 1);

        /// <summary>The cached session; read and written only under <see cref="Lock"/>.</summary>
        public StoredPokerSession? Session { get; set; }

        public long LastUsed { get; private set; } = Environment.TickCount64;

        public int Waiters => Volatile.Read(ref _waiters);

        public void Touch() => LastUsed = Environment.TickCount64;

        /// <summary>The signal completed by the next <see cref="Publish"/>.</summary>
        public Task NextChange => Volatile.Read(ref _changed).Task;

        /// <summary>When the last change was published (<see cref="System.Diagnostics.Stopwatch"/> timestamp), for fan-out latency.</summary>
        public long PublishedAt => Interlocked.Read(ref _publishedAt);

        /// <summary>Wakes everyone waiting for a change.</summary>
        public void Publish()
        {
            Interlocked.Exchange(ref _publishedAt, System.Diagnostics.Stopwatch.GetTimestamp());
            Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();
        }

        public void EnterWait() => Interlocked.Increment(ref _waiters);

        public void LeaveWait() => Interlocked.Decrement(ref _waiters);

        private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
