using Elastic.Transport;

namespace Estimo.Remote.Logging.Shipping;

/// <summary>What a start-up probe of Elasticsearch found.</summary>
internal enum ElasticsearchProbeResult
{
    Ok,
    Unauthorized,
    Unreachable,
}

/// <summary>Asks Elasticsearch, once, whether the endpoint answers and accepts the API key.</summary>
internal interface IElasticsearchProbe
{
    ElasticsearchProbeResult Check(ElasticsearchOptions options);
}

/// <summary>
/// Builds Elastic's own transport (<c>Elastic.Transport</c>, the layer under the official
/// client): it resolves cloud ids, sends the <c>ApiKey</c> authorization header and pools
/// connections. Its own retries and pings are off: the shipper owns retrying, from disk.
/// </summary>
internal static class ElasticsearchTransport
{
    public static ITransport Create(ElasticsearchOptions options)
    {
        var apiKey = new ApiKey(options.ApiKey!);
        var configuration = options.Url is { } url
            ? new TransportConfiguration(url, apiKey)
            : new TransportConfiguration(options.CloudId!, apiKey);
        configuration = configuration with
        {
            RequestTimeout = options.RequestTimeout,
            MaxRetries = 0,
            DisablePings = true,
        };
        return new DistributedTransport(configuration);
    }
}

/// <summary>
/// <c>GET /_security/_authenticate</c>: needs no privilege beyond a valid key, so a write-only
/// shipping key passes, a wrong one gets 401, and no answer means the endpoint is wrong or down.
/// </summary>
internal sealed class ElasticsearchProbe : IElasticsearchProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public ElasticsearchProbeResult Check(ElasticsearchOptions options)
    {
        var transport = ElasticsearchTransport.Create(options);
        using var cancel = new CancellationTokenSource(Timeout);
        StringResponse response;
        try
        {
            response = transport.RequestAsync<StringResponse>(
                new EndpointPath(Elastic.Transport.HttpMethod.GET, "/_security/_authenticate"),
                null,
                null,
                null,
                cancel.Token).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is OperationCanceledException or TransportException or HttpRequestException)
        {
            return ElasticsearchProbeResult.Unreachable;
        }

        return response.ApiCallDetails.HttpStatusCode switch
        {
            200 => ElasticsearchProbeResult.Ok,
            401 or 403 => ElasticsearchProbeResult.Unauthorized,
            _ => ElasticsearchProbeResult.Unreachable,
        };
    }
}
