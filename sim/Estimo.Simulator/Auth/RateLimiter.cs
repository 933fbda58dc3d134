using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Estimo.Simulator.Auth;

/// <summary>
/// A fixed one-minute window per account, enough to make the app meet 429 + Retry-After.
/// Jira's real limiter is cost-based and adaptive; the app must only honour Retry-After.
/// </summary>
public sealed class RateLimiter(TimeProvider clock, IOptions<SimulatorOptions> options)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);

    /// <summary>Counts one call; returns null when allowed, else how long to wait.</summary>
    public RateDecision Hit(string accountId)
    {
        var limit = options.Value.RateLimitPerMinute;
        if (limit == 0)
        {
            return new RateDecision(true, 0, 0, TimeSpan.Zero);
        }
        var now = clock.GetUtcNow();
        var counter = _counters.GetOrAdd(accountId, _ => new Counter(now));
        lock (counter)
        {
            if (now - counter.WindowStart >= Window)
            {
                counter.WindowStart = now;
                counter.Count = 0;
            }
            counter.Count++;
            var remaining = Math.Max(0, limit - counter.Count);
            if (counter.Count <= limit)
            {
                return new RateDecision(true, limit, remaining, TimeSpan.Zero);
            }
            return new RateDecision(false, limit, 0, counter.WindowStart + Window - now);
        }
    }

    public void Reset() => _counters.Clear();

    private sealed class Counter(DateTimeOffset start)
    {
        public DateTimeOffset WindowStart { get; set; } = start;
        public int Count { get; set; }
    }
}

public readonly record struct RateDecision(bool Allowed, int Limit, int Remaining, TimeSpan RetryAfter);
