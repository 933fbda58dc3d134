using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Estimo.Simulator.Infrastructure;

/// <summary>
/// The simulator's own base URL (site URL, avatar URLs, apiBaseUrl). Taken from
/// Simulator:PublicBaseUrl, else from the address Kestrel actually bound (tests bind port 0).
/// </summary>
public sealed class SiteUrls(IServer server, IOptions<SimulatorOptions> options)
{
    public string BaseUrl
    {
        get
        {
            if (options.Value.PublicBaseUrl is { } configured)
            {
                return configured.TrimEnd('/');
            }
            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? options.Value.ListenUrl;
            return address.Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
                .Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal)
                .Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
                .TrimEnd('/');
        }
    }

    /// <summary>What a FIT's app.apiBaseUrl carries: the site's API as seen through api.atlassian.com.</summary>
    public string ApiBaseUrl => $"{BaseUrl}/ex/jira/{Jira.SeedData.CloudId}";
}
