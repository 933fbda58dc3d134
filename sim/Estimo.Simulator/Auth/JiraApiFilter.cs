using System.Globalization;
using Estimo.Simulator.Forge;
using Estimo.Simulator.Jira;
using Microsoft.Extensions.Options;

namespace Estimo.Simulator.Auth;

/// <summary>
/// The gate in front of every simulated Jira endpoint, in the order a real site applies them:
/// body size (413), bearer token (401), cloud id of the api.atlassian.com-style prefix (404),
/// OAuth scope of app tokens (401), per-user rate limit (429 + Retry-After).
/// </summary>
public sealed class JiraApiFilter(
    TokenStore tokens,
    RateLimiter rateLimiter,
    JiraSite site,
    ManifestProvider manifest,
    IOptions<SimulatorOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var limit = options.Value.MaxRequestBodyBytes;
        if (http.Request.ContentLength > limit)
        {
            return JiraErrors.TooLarge(limit);
        }

        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            || tokens.Resolve(header["Bearer ".Length..].Trim()) is not { } token
            || site.FindUser(token.AccountId) is not { } user)
        {
            return JiraErrors.Unauthorized();
        }

        if (http.Request.RouteValues.TryGetValue("cloudId", out var cloudId) && !string.Equals(cloudId as string, SeedData.CloudId, StringComparison.OrdinalIgnoreCase))
        {
            return JiraErrors.NotFound("No site with this cloud id.");
        }

        var caller = new JiraCaller(user, token);
        if (caller.IsApp && MissingScope(http) is { } scope)
        {
            // The API gateway's answer when an app token lacks a scope.
            return Results.Json(new { code = 401, message = $"Unauthorized; scope does not match (needs {scope})" }, statusCode: StatusCodes.Status401Unauthorized);
        }

        var decision = rateLimiter.Hit(user.AccountId);
        if (decision.Limit > 0)
        {
            http.Response.Headers["X-RateLimit-Limit"] = decision.Limit.ToString(CultureInfo.InvariantCulture);
            http.Response.Headers["X-RateLimit-Remaining"] = decision.Remaining.ToString(CultureInfo.InvariantCulture);
        }
        if (!decision.Allowed)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(decision.RetryAfter.TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            http.Response.Headers["RateLimit-Reason"] = "jira-burst-based";
            return JiraErrors.Result(StatusCodes.Status429TooManyRequests, ["Rate limit exceeded."]);
        }

        caller.Attach(http);
        return await next(context);
    }

    /// <summary>The classic scope the request needs and the manifest does not grant, or null.</summary>
    private string? MissingScope(HttpContext http)
    {
        if (!manifest.TryGet(out var app))
        {
            return null;
        }
        var path = http.Request.Path.Value ?? "";
        var method = http.Request.Method;
        string needed;
        if (path.Contains("/rest/api/3/myself", StringComparison.Ordinal) || path.Contains("/rest/api/3/user", StringComparison.Ordinal))
        {
            needed = "read:jira-user";
        }
        else if (HttpMethods.IsGet(method) || path.EndsWith("/search/jql", StringComparison.Ordinal) || path.EndsWith("/permissions/check", StringComparison.Ordinal))
        {
            needed = "read:jira-work";
        }
        else
        {
            needed = "write:jira-work";
        }
        return app.Scopes.Contains(needed) ? null : needed;
    }
}

/// <summary>Reads a request body with the simulator's size limit (also for bodies without Content-Length).</summary>
public static class RequestBody
{
    public sealed class TooLargeException(int limit) : Exception($"Request body over {limit} bytes.")
    {
        public int Limit { get; } = limit;
    }

    public static async Task<byte[]> ReadAsync(HttpContext context, int limit)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new TooLargeException(limit);
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
