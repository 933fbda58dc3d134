using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Estimo.Core.Installations;
using Estimo.Remote.Authentication;

namespace Estimo.Remote.Installations;

/// <summary>
/// Keeps each installation's latest system token in the encrypted cache, so background work
/// can call Jira as the app. Writes only when the token changes (a fingerprint per
/// installation is kept in memory), so the hot path does no database write per request.
/// </summary>
internal sealed partial class SystemTokenRecorder
{
    /// <summary>Forge tokens live up to about 4 h; never trust a longer <c>exp</c>.</summary>
    private static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(4);

    /// <summary>Kept this long when the token's expiry cannot be read.</summary>
    private static readonly TimeSpan FallbackLifetime = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, string> _fingerprints = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger<SystemTokenRecorder> _log;

    public SystemTokenRecorder(TimeProvider time, ILogger<SystemTokenRecorder> log)
    {
        _time = time;
        _log = log;
    }

    public async Task RecordAsync(IForgeInvocationFeature invocation, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (invocation.SystemToken is not { } token)
        {
            return;
        }

        var installationId = invocation.Invocation.InstallationId;
        var raw = token.Reveal();
        var fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(raw)));
        if (_fingerprints.TryGetValue(installationId, out var known) && known == fingerprint)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var exp = ReadExpiry(raw);
        if (exp is { } past && past <= now)
        {
            return;
        }

        // Atlassian documents these tokens as JWTs whose exp is their expiry. If one cannot be
        // read, keep it for the shortest lifetime Forge guarantees rather than not at all.
        if (exp is null)
        {
            TokenWithoutUsableExpiry(_log, installationId);
        }

        var expiresAt = exp is { } e && e - now <= MaxLifetime ? e : now + (exp is null ? FallbackLifetime : MaxLifetime);

        var installations = services.GetRequiredService<IInstallationStore>();
        if (await installations.FindAsync(installationId, cancellationToken) is null)
        {
            // Not installed yet (the install event may still be in flight); try next time.
            return;
        }

        await services.GetRequiredService<ISystemTokenCache>().StoreAsync(installationId, raw, expiresAt, cancellationToken);
        _fingerprints[installationId] = fingerprint;
        TokenCached(_log, installationId, expiresAt);
    }

    /// <summary>
    /// Reads <c>exp</c> from the token's payload without verifying it: the value only decides
    /// how long we keep the token, and Atlassian verifies the token when we use it.
    /// </summary>
    internal static DateTimeOffset? ReadExpiry(string jwt)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3 || parts[1].Length > 8192)
        {
            return null;
        }

        try
        {
            var payload = Base64Url.DecodeFromChars(parts[1]);
            using var document = JsonDocument.Parse(payload);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("exp", out var exp)
                && exp.TryGetInt64(out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    [LoggerMessage(3101, LogLevel.Debug, "System token cached for installation {InstallationId} until {ExpiresAt}")]
    private static partial void TokenCached(ILogger logger, string installationId, DateTimeOffset expiresAt);

    [LoggerMessage(3102, LogLevel.Information, "System token for installation {InstallationId} has no readable expiry; cached for the fallback lifetime")]
    private static partial void TokenWithoutUsableExpiry(ILogger logger, string installationId);
}

/// <summary>Runs the recorder after authentication, for requests that carry a system token.</summary>
internal sealed class SystemTokenRecordingMiddleware(RequestDelegate next, SystemTokenRecorder recorder)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<IForgeInvocationFeature>() is { SystemToken: not null } invocation)
        {
            await recorder.RecordAsync(invocation, context.RequestServices, context.RequestAborted);
        }

        await next(context);
    }
}
