using Microsoft.Extensions.Logging;

namespace Estimo.Forge.Authentication;

/// <summary>
/// Log events of FIT validation and the JWKS cache. Event ids are stable (1001–1099) so that
/// alerts can key on them. Never log a token, a signature or key material; a <c>kid</c> and the
/// JWKS URL are public and may be logged. Rejections of single tokens are logged by the host.
/// </summary>
internal static partial class ForgeLog
{
    [LoggerMessage(EventId = 1001, EventName = "JwksFetchFailedStatus", Level = LogLevel.Warning,
        Message = "Fetching the JWKS from {JwksUrl} failed with HTTP status {StatusCode}.")]
    public static partial void JwksFetchFailedStatus(ILogger logger, Uri jwksUrl, int statusCode);

    [LoggerMessage(EventId = 1002, EventName = "JwksFetchFailedException", Level = LogLevel.Warning,
        Message = "Fetching the JWKS from {JwksUrl} failed with {ExceptionType}.")]
    public static partial void JwksFetchFailedException(ILogger logger, Uri jwksUrl, string exceptionType);

    [LoggerMessage(EventId = 1003, EventName = "JwksLoaded", Level = LogLevel.Information,
        Message = "Loaded {KeyCount} FIT signing keys from {JwksUrl}; ignored {IgnoredCount} unusable keys.")]
    public static partial void JwksLoaded(ILogger logger, int keyCount, Uri jwksUrl, int ignoredCount);

    [LoggerMessage(EventId = 1004, EventName = "JwksWithoutUsableKeys", Level = LogLevel.Warning,
        Message = "The JWKS from {JwksUrl} holds no usable RSA signing key ({IgnoredCount} ignored); keeping the previous keys.")]
    public static partial void JwksWithoutUsableKeys(ILogger logger, Uri jwksUrl, int ignoredCount);

    [LoggerMessage(EventId = 1005, EventName = "JwksRefreshThrottled", Level = LogLevel.Debug,
        Message = "Unknown signing key id {KeyId}; the JWKS was fetched less than {RefreshInterval} ago, so it is not fetched again.")]
    public static partial void JwksRefreshThrottled(ILogger logger, string keyId, TimeSpan refreshInterval);

    [LoggerMessage(EventId = 1006, EventName = "JwksKeyIgnored", Level = LogLevel.Debug,
        Message = "Ignored JWKS key {KeyId}: {Reason}.")]
    public static partial void JwksKeyIgnored(ILogger logger, string keyId, string reason);

    [LoggerMessage(EventId = 1007, EventName = "JwksRefreshStarted", Level = LogLevel.Debug,
        Message = "Fetching the JWKS from {JwksUrl} ({Reason}).")]
    public static partial void JwksRefreshStarted(ILogger logger, Uri jwksUrl, string reason);

    [LoggerMessage(EventId = 1020, EventName = "ReplayCacheFull", Level = LogLevel.Warning,
        Message = "The FIT replay cache is full ({Capacity} unexpired token ids); rejecting tokens until entries expire. Raise Forge:ReplayCacheCapacity if this is legitimate load.")]
    public static partial void ReplayCacheFull(ILogger logger, int capacity);
}
