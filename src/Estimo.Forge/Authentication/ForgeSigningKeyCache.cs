using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Estimo.Forge.Authentication;

/// <summary>
/// The cached JWKS of FIT signing keys.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Lookups read an immutable <see cref="SigningKeySet"/> snapshot: no lock, no allocation.</item>
/// <item>An unknown <c>kid</c> fetches the JWKS again at most once per
/// <see cref="ForgeOptions.JwksRefreshInterval"/>; concurrent callers await the same fetch.</item>
/// <item>Once <see cref="ForgeOptions.JwksCacheLifetime"/> has passed, the next lookup starts a
/// background fetch (same rate limit) and keeps using the current keys meanwhile.</item>
/// <item>A failed fetch (network, non-2xx including redirects, bad JSON, no usable key) keeps the
/// previous keys and never throws; callers see <see cref="KeyLookupStatus.Unavailable"/> only
/// when no cached key matches.</item>
/// </list>
/// </remarks>
internal sealed class ForgeSigningKeyCache : IForgeSigningKeys, IDisposable
{
    /// <summary>The named <see cref="HttpClient"/> used for the JWKS (no redirects, short timeout).</summary>
    public const string HttpClientName = "Estimo.Forge.Jwks";

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ForgeSigningKeyCache> _logger;
    private readonly Uri _jwksUrl;
    private readonly TimeSpan _refreshInterval;
    private readonly TimeSpan _cacheLifetime;
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();

    private volatile SigningKeySet? _current;
    private int _isDisposed;

    // Guarded by _gate.
    private volatile Task<bool>? _inFlight;
    private DateTimeOffset _lastFetchStartedAt = DateTimeOffset.MinValue;
    private bool _lastFetchFailed;
    private long _lastFetchStartedAtTicks;

    public ForgeSigningKeyCache(
        IHttpClientFactory httpClientFactory,
        IOptions<ForgeOptions> options,
        TimeProvider timeProvider,
        ILogger<ForgeSigningKeyCache> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _httpClientFactory = httpClientFactory;
        _timeProvider = timeProvider;
        _logger = logger;
        var value = options.Value;
        _jwksUrl = value.JwksUrl;
        _refreshInterval = value.JwksRefreshInterval;
        _cacheLifetime = value.JwksCacheLifetime;
    }

    /// <inheritdoc />
    public bool IsLoaded => _current is not null;

    /// <inheritdoc />
    public async Task<bool> EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (IsLoaded)
        {
            return true;
        }

        // Readiness asks explicitly, so it is not throttled; it still shares a fetch in flight.
        Task<bool> fetch;
        lock (_gate)
        {
            fetch = _inFlight ?? StartFetchLocked("first load");
        }

        try
        {
            await fetch.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The contract says never throw; the caller gave up, report what we have.
        }

        return IsLoaded;
    }

    /// <summary>The synchronous, allocation-free path: a hit in the current snapshot.</summary>
    public bool TryGetKey(ReadOnlySpan<char> keyId, out SigningKey key)
    {
        var keys = _current;
        if (keys is null)
        {
            key = null!;
            return false;
        }

        if (_timeProvider.GetUtcNow() - keys.LoadedAt >= _cacheLifetime)
        {
            StartBackgroundRefresh();
        }

        return keys.TryGet(keyId, out key);
    }

    /// <summary>The slow path for a <c>kid</c> the snapshot lacks: fetch if the rate limit allows.</summary>
    public async ValueTask<KeyLookup> GetKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        Task<bool>? fetch;
        bool lastFetchFailed;
        lock (_gate)
        {
            if (_current is { } keys && keys.TryGet(keyId, out var cached))
            {
                return new KeyLookup(KeyLookupStatus.Found, cached);
            }

            fetch = _inFlight;
            if (fetch is null && _timeProvider.GetUtcNow() - _lastFetchStartedAt >= _refreshInterval)
            {
                fetch = StartFetchLocked("unknown kid");
            }

            lastFetchFailed = _lastFetchFailed;
        }

        if (fetch is null)
        {
            ForgeLog.JwksRefreshThrottled(_logger, keyId.Length <= 64 ? keyId : keyId[..64], _refreshInterval);
            return new KeyLookup(_current is null || lastFetchFailed ? KeyLookupStatus.Unavailable : KeyLookupStatus.Unknown, null);
        }

        var fetched = await fetch.WaitAsync(cancellationToken);
        if (_current is { } refreshed && refreshed.TryGet(keyId, out var key))
        {
            return new KeyLookup(KeyLookupStatus.Found, key);
        }

        return new KeyLookup(fetched ? KeyLookupStatus.Unknown : KeyLookupStatus.Unavailable, null);
    }

    public void Dispose()
    {
        // DI disposes this instance twice: as itself and as the IForgeSigningKeys it also is.
        if (Interlocked.Exchange(ref _isDisposed, 1) != 0)
        {
            return;
        }

        _disposed.Cancel();
        _disposed.Dispose();
    }

    private void StartBackgroundRefresh()
    {
        // Unlocked pre-check: while a stale cache cannot refresh (JWKS down, rate limit), the hot
        // path must not take the lock on every request. The locked check below is authoritative.
        if (_inFlight is not null
            || _timeProvider.GetUtcNow().UtcTicks - Volatile.Read(ref _lastFetchStartedAtTicks) < _refreshInterval.Ticks)
        {
            return;
        }

        lock (_gate)
        {
            if (_inFlight is null && _timeProvider.GetUtcNow() - _lastFetchStartedAt >= _refreshInterval)
            {
                _ = StartFetchLocked("cache lifetime passed");
            }
        }
    }

    private Task<bool> StartFetchLocked(string reason)
    {
        _lastFetchStartedAt = _timeProvider.GetUtcNow();
        Volatile.Write(ref _lastFetchStartedAtTicks, _lastFetchStartedAt.UtcTicks);
        ForgeLog.JwksRefreshStarted(_logger, _jwksUrl, reason);

        // Task.Run keeps the fetch off the caller's lock; its finally block needs _gate to clear
        // _inFlight, which it can take only after we have published the task below.
        var fetch = Task.Run(FetchAsync);
        _inFlight = fetch;
        return fetch;
    }

    private async Task<bool> FetchAsync()
    {
        var succeeded = false;
        try
        {
            using var client = _httpClientFactory.CreateClient(HttpClientName);
            using var response = await client.GetAsync(_jwksUrl, _disposed.Token);

            // Redirects are not followed (the handler disallows them), so a 3xx lands here too.
            if (!response.IsSuccessStatusCode)
            {
                ForgeLog.JwksFetchFailedStatus(_logger, _jwksUrl, (int)response.StatusCode);
                return false;
            }

            var body = await response.Content.ReadAsByteArrayAsync(_disposed.Token);
            var keys = JwksParser.Parse(body, _current, _logger, out var ignored);
            if (keys is null || keys.Count == 0)
            {
                ForgeLog.JwksWithoutUsableKeys(_logger, _jwksUrl, ignored);
                return false;
            }

            _current = new SigningKeySet(keys, _timeProvider.GetUtcNow());
            ForgeLog.JwksLoaded(_logger, keys.Count, _jwksUrl, ignored);
            succeeded = true;
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException
            or IOException or InvalidOperationException or ObjectDisposedException)
        {
            // The exception type only: messages may echo response content.
            ForgeLog.JwksFetchFailedException(_logger, _jwksUrl, ex.GetType().Name);
            return false;
        }
        finally
        {
            lock (_gate)
            {
                _lastFetchFailed = !succeeded;
                _inFlight = null;
            }
        }
    }
}

internal enum KeyLookupStatus
{
    Found,

    /// <summary>The JWKS loaded, and it does not hold the <c>kid</c>.</summary>
    Unknown,

    /// <summary>The JWKS could not be loaded, and no cached key matches.</summary>
    Unavailable,
}

internal readonly record struct KeyLookup(KeyLookupStatus Status, SigningKey? Key);
