namespace Estimo.Forge.Authentication;

/// <summary>
/// Remembers the <c>jti</c> of every accepted FIT until the token could no longer be accepted
/// anyway (its <c>exp</c> plus the clock skew), in bounded memory.
/// </summary>
/// <remarks>
/// Policy when full: if <see cref="Capacity"/> unexpired ids are held, a new id is
/// <b>rejected</b> rather than an unexpired id forgotten. Forgetting would silently reopen a
/// replay window for exactly the tokens an attacker could be flooding us to evict; rejecting
/// fails closed and is visible (a warning log and a Replayed metric spike). With FITs living
/// about 30 s, the default 200 000 entries sustain roughly 6 000 accepted calls a second.
/// Only tokens whose signature and claims verified reach this cache, so a forger cannot fill it.
/// </remarks>
internal sealed class ReplayCache
{
    private readonly Dictionary<string, long> _expiryById = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, long> _idsByExpiry = new();
    private readonly Lock _gate = new();

    public ReplayCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _expiryById.Count;
            }
        }
    }

    /// <summary>Records <paramref name="tokenId"/> until <paramref name="forgetAfterMs"/> (Unix ms).</summary>
    public ReplayCheck TryAdd(string tokenId, long forgetAfterMs, long nowMs)
    {
        lock (_gate)
        {
            EvictExpired(nowMs);

            if (_expiryById.ContainsKey(tokenId))
            {
                return ReplayCheck.Replayed;
            }

            if (_expiryById.Count >= Capacity)
            {
                return ReplayCheck.Full;
            }

            // Ids are added only when absent, so the queue holds exactly one entry per id.
            _expiryById.Add(tokenId, forgetAfterMs);
            _idsByExpiry.Enqueue(tokenId, forgetAfterMs);
            return ReplayCheck.Added;
        }
    }

    private void EvictExpired(long nowMs)
    {
        while (_idsByExpiry.TryPeek(out var id, out var forgetAfterMs) && forgetAfterMs <= nowMs)
        {
            _idsByExpiry.Dequeue();
            _expiryById.Remove(id);
        }
    }
}

internal enum ReplayCheck
{
    Added,
    Replayed,
    Full,
}
