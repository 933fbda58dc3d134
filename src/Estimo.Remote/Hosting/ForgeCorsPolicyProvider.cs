using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Hosting;

/// <summary>
/// CORS for <c>requestRemote</c>: the browser calls the remote directly from the Custom UI
/// iframe, so only the origins Forge serves Custom UI from (configurable) get CORS headers.
/// Credentials are never allowed: the FIT travels in the Authorization header.
/// </summary>
internal sealed class ForgeCorsPolicyProvider : ICorsPolicyProvider
{
    private readonly CorsPolicy _policy;

    public ForgeCorsPolicyProvider(IOptions<RemoteOptions> options)
    {
        var builder = new CorsPolicyBuilder()
            .WithOrigins(options.Value.AllowedCorsOrigins)
            .SetIsOriginAllowedToAllowWildcardSubdomains()
            .WithMethods("GET", "POST", "PUT", "PATCH", "DELETE")
            .WithHeaders("authorization", "content-type", "if-match", "x-b3-traceid", "x-b3-spanid", "x-b3-sampled")
            .WithExposedHeaders("etag", "retry-after", "location")
            .SetPreflightMaxAge(TimeSpan.FromMinutes(10));
        _policy = builder.Build();
    }

    public Task<CorsPolicy?> GetPolicyAsync(HttpContext context, string? policyName) => Task.FromResult<CorsPolicy?>(_policy);
}
