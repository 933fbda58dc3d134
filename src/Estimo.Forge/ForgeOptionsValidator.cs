using System.Net;
using Microsoft.Extensions.Options;

namespace Estimo.Forge;

/// <summary>
/// Validates <see cref="ForgeOptions"/> at start-up and reports every bad setting at once, each
/// with its full configuration name, so an operator fixes the file in one go.
/// </summary>
public sealed class ForgeOptionsValidator : IValidateOptions<ForgeOptions>
{
    private const string Prefix = ForgeOptions.SectionName + ":";

    /// <summary>The largest accepted <see cref="ForgeOptions.ClockSkew"/>; FITs live about 25 s.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(60);

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ForgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        if (string.IsNullOrWhiteSpace(options.AppId))
        {
            errors.Add($"{Prefix}{nameof(ForgeOptions.AppId)} is required.");
        }
        else if (!TryNormalizeAppId(options.AppId, out _))
        {
            errors.Add($"{Prefix}{nameof(ForgeOptions.AppId)} must be a UUID or '{ForgeOptions.AppAriPrefix}<uuid>'.");
        }

        if (options.JwksUrl is null)
        {
            errors.Add($"{Prefix}{nameof(ForgeOptions.JwksUrl)} is required.");
        }
        else if (!options.JwksUrl.IsAbsoluteUri)
        {
            errors.Add($"{Prefix}{nameof(ForgeOptions.JwksUrl)} must be an absolute URL.");
        }
        else if (!IsAcceptedJwksUrl(options.JwksUrl))
        {
            errors.Add($"{Prefix}{nameof(ForgeOptions.JwksUrl)} must use https unless it is a loopback address.");
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > MaxClockSkew)
        {
            errors.Add($"{Prefix}{nameof(ForgeOptions.ClockSkew)} must be between 0 and 60 seconds.");
        }

        if (options.JwksRefreshInterval < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{Prefix}{nameof(ForgeOptions.JwksRefreshInterval)} must be at least 1 second.");
        }

        if (options.JwksCacheLifetime < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{Prefix}{nameof(ForgeOptions.JwksCacheLifetime)} must be at least 1 second.");
        }

        if (options.ReplayCacheCapacity <= 0)
        {
            errors.Add($"{Prefix}{nameof(ForgeOptions.ReplayCacheCapacity)} must be greater than 0.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>
    /// Turns a configured app id (a UUID, or the full app ARI) into the ARI a FIT carries in
    /// <c>aud</c>, with the UUID in lower-case "D" form as Atlassian writes it.
    /// </summary>
    internal static bool TryNormalizeAppId(string? configured, out string audience)
    {
        audience = string.Empty;
        if (string.IsNullOrWhiteSpace(configured))
        {
            return false;
        }

        var value = configured.Trim();
        var uuid = value.StartsWith(ForgeOptions.AppAriPrefix, StringComparison.Ordinal)
            ? value[ForgeOptions.AppAriPrefix.Length..]
            : value;

        // "D" only: 8-4-4-4-12 hex digits, no braces, so the ARI stays canonical.
        if (!Guid.TryParseExact(uuid, "D", out var id))
        {
            return false;
        }

        audience = ForgeOptions.AppAriPrefix + id.ToString("D");
        return true;
    }

    /// <summary>https anywhere; http only on loopback (127.0.0.0/8, ::1, localhost) for local hosts and tests.</summary>
    internal static bool IsAcceptedJwksUrl(Uri url)
    {
        if (!url.IsAbsoluteUri)
        {
            return false;
        }

        if (url.Scheme == Uri.UriSchemeHttps)
        {
            return true;
        }

        return url.Scheme == Uri.UriSchemeHttp && IsLoopbackHost(url);
    }

    private static bool IsLoopbackHost(Uri url)
    {
        if (string.Equals(url.IdnHost, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(url.DnsSafeHost, out var address) && IPAddress.IsLoopback(address);
    }
}
