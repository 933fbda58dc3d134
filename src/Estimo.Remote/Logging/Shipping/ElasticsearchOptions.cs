using System.Text;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Logging.Shipping;

/// <summary>What the remote does at start-up when Elasticsearch cannot be reached.</summary>
public enum ElasticsearchStartupCheck
{
    /// <summary>Refuse to start (the default): an unreachable endpoint is usually a wrong setting.</summary>
    Require,

    /// <summary>Start and buffer; a warning is logged. For starting during an Elastic outage.</summary>
    Warn,

    /// <summary>Do not contact Elasticsearch at start-up (format checks still apply).</summary>
    Skip,
}

/// <summary>
/// Settings under <c>Logs:Elasticsearch:</c>. Shipping is on when <see cref="CloudId"/> or
/// <see cref="Url"/> is set. The API key comes from configuration, which includes environment
/// variables (<c>Logs__Elasticsearch__ApiKey</c>) and whatever a secret store injects; it is
/// never logged.
/// </summary>
public sealed class ElasticsearchOptions
{
    public const string SectionName = "Logs:Elasticsearch";

    /// <summary>An Elastic Cloud deployment id (<c>name:base64(host$es-uuid$kibana-uuid)</c>).</summary>
    public string? CloudId { get; set; }

    /// <summary>An Elasticsearch URL: https, or http on loopback (tests).</summary>
    public Uri? Url { get; set; }

    /// <summary>The API key, in the encoded form Elastic prints (<c>base64(id:key)</c>).</summary>
    public string? ApiKey { get; set; }

    /// <summary>The data stream; by default <c>logs-&lt;service&gt;-&lt;environment&gt;</c>, e.g. <c>logs-estimo.remote-production</c>.</summary>
    public string? DataStream { get; set; }

    /// <summary>Where the durable buffer's segment files live (created 0700).</summary>
    public string BufferDirectory { get; set; } = ".estimo/log-buffer";

    /// <summary>The most bytes the buffer holds on disk; at the cap new events are not buffered (counted, warned).</summary>
    public long MaxBufferBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Largest single event; a larger one is truncated (counted, tagged <c>truncated</c>).</summary>
    public int MaxEventBytes { get; set; } = 32 * 1024;

    /// <summary>Most events in one <c>_bulk</c> request.</summary>
    public int MaxBatchEvents { get; set; } = 1000;

    /// <summary>How often the shipper sends what is buffered.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait between retries while Elasticsearch is failing.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Timeout of one request to Elasticsearch.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether an unreachable endpoint at start-up stops the remote (<see cref="ElasticsearchStartupCheck"/>).</summary>
    public ElasticsearchStartupCheck StartupCheck { get; set; } = ElasticsearchStartupCheck.Require;

    public bool Enabled => !string.IsNullOrWhiteSpace(CloudId) || Url is not null;

    /// <summary>The data stream name, following the <c>logs-&lt;dataset&gt;-&lt;namespace&gt;</c> scheme.</summary>
    public string DataStreamName(string serviceName, string environment) =>
        string.IsNullOrWhiteSpace(DataStream)
            ? $"logs-{Sanitise(serviceName, '.')}-{Sanitise(environment, '_')}"
            : DataStream;

    // Dataset and namespace may not contain '-' (it separates the parts) and are lower case.
    private static string Sanitise(string part, char replacement)
    {
        var builder = new StringBuilder(part.Length);
        foreach (var c in part.ToLowerInvariant())
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' ? c : replacement);
        }

        return builder.ToString();
    }

    /// <summary>Parses a cloud id; null when it is malformed.</summary>
    internal static Uri? ParseCloudId(string cloudId)
    {
        var colon = cloudId.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == cloudId.Length - 1)
        {
            return null;
        }

        var encoded = cloudId[(colon + 1)..];
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded.PadRight(encoded.Length + ((4 - (encoded.Length % 4)) % 4), '=')));
        }
        catch (FormatException)
        {
            return null;
        }

        var parts = decoded.Split('$');
        if (parts.Length < 2 || string.IsNullOrWhiteSpace(parts[0]) || string.IsNullOrWhiteSpace(parts[1]))
        {
            return null;
        }

        var host = parts[0];
        var port = 443;
        var hostColon = host.LastIndexOf(':');
        if (hostColon > 0 && int.TryParse(host[(hostColon + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var p))
        {
            port = p;
            host = host[..hostColon];
        }

        return Uri.CheckHostName(host) == UriHostNameType.Dns && Uri.CheckHostName(parts[1] + "." + host) == UriHostNameType.Dns
            ? new Uri($"https://{parts[1]}.{host}:{port}")
            : null;
    }
}

/// <summary>
/// Checks the settings' shape, then (unless told to skip) asks Elasticsearch who the API key
/// belongs to, so a wrong key or an unreachable endpoint is a start-up error listed with every
/// other bad setting.
/// </summary>
internal sealed class ElasticsearchOptionsValidator(IElasticsearchProbe probe, IConfiguration configuration, LogShipping shipping) : IValidateOptions<ElasticsearchOptions>
{
    private const string Prefix = "Logs:Elasticsearch:";
    private const string MisnamedSection = "Logging:Elastic";

    public ValidateOptionsResult Validate(string? name, ElasticsearchOptions options)
    {
        var errors = new List<string>();

        // A credential under a name nobody reads would mean logs silently never leave the host.
        foreach (var setting in configuration.GetSection(MisnamedSection).GetChildren())
        {
            errors.Add($"{MisnamedSection}:{setting.Key} is not a setting; use {Prefix}{setting.Key switch { "Endpoint" => "Url", _ => setting.Key }}.");
        }

        if (!options.Enabled)
        {
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }

        if (!string.IsNullOrWhiteSpace(options.CloudId) && options.Url is not null)
        {
            errors.Add($"{Prefix}CloudId and {Prefix}Url are both set; set one.");
        }

        if (!string.IsNullOrWhiteSpace(options.CloudId) && ElasticsearchOptions.ParseCloudId(options.CloudId) is null)
        {
            errors.Add($"{Prefix}CloudId is malformed: expected <name>:<base64 of host$elasticsearch-id$kibana-id>, as shown in the Elastic Cloud console.");
        }

        if (options.Url is { } url && (!url.IsAbsoluteUri || !string.IsNullOrEmpty(url.UserInfo)
            || !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback))))
        {
            errors.Add($"{Prefix}Url must be an https URL without credentials (http only on loopback).");
        }

        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            errors.Add($"{Prefix}ApiKey is required (set Logs__Elasticsearch__ApiKey from the secret store).");
        }
        else if (options.ApiKey.Any(char.IsWhiteSpace))
        {
            errors.Add($"{Prefix}ApiKey must be the encoded API key, without spaces or a scheme prefix.");
        }

        if (options.DataStream is { Length: > 0 } stream && (!stream.StartsWith("logs-", StringComparison.Ordinal) || stream.Count(c => c == '-') != 2 || stream.Any(char.IsAsciiLetterUpper)))
        {
            errors.Add($"{Prefix}DataStream must look like logs-<dataset>-<namespace>, lower case.");
        }

        if (string.IsNullOrWhiteSpace(options.BufferDirectory) || options.BufferDirectory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            errors.Add($"{Prefix}BufferDirectory must be a directory path.");
        }
        else if (shipping.BufferError is { } bufferError)
        {
            errors.Add($"{Prefix}BufferDirectory cannot be created or written ({bufferError}): {Path.GetFullPath(options.BufferDirectory)}.");
        }

        if (options.MaxBufferBytes < 1024 * 1024)
        {
            errors.Add($"{Prefix}MaxBufferBytes must be at least 1048576 (1 MiB).");
        }

        if (options.MaxEventBytes is < 1024 or > 1024 * 1024)
        {
            errors.Add($"{Prefix}MaxEventBytes must be between 1024 and 1048576.");
        }

        if (options.MaxBatchEvents is < 1 or > 10_000)
        {
            errors.Add($"{Prefix}MaxBatchEvents must be between 1 and 10000.");
        }

        if (options.FlushInterval <= TimeSpan.Zero || options.MaxRetryDelay < options.FlushInterval || options.RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{Prefix}FlushInterval and RequestTimeout must be positive, and MaxRetryDelay at least FlushInterval.");
        }

        if (!Enum.IsDefined(options.StartupCheck))
        {
            errors.Add($"{Prefix}StartupCheck must be Require, Warn or Skip.");
        }

        // Only a well-formed configuration is worth a network round trip.
        if (errors.Count == 0 && options.StartupCheck != ElasticsearchStartupCheck.Skip)
        {
            var result = probe.Check(options);
            switch (result)
            {
                case ElasticsearchProbeResult.Unauthorized:
                    errors.Add($"{Prefix}ApiKey was refused by Elasticsearch (401/403): the key is wrong, expired or revoked.");
                    break;
                case ElasticsearchProbeResult.Unreachable when options.StartupCheck == ElasticsearchStartupCheck.Require:
                    errors.Add($"{Prefix}{(options.Url is null ? "CloudId" : "Url")} could not be reached (no answer, or not Elasticsearch). "
                        + $"Check the endpoint, or set {Prefix}StartupCheck=Warn to start and buffer logs during an Elastic outage.");
                    break;
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
