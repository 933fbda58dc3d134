using Estimo.Remote.Authentication;

namespace Estimo.Remote.Api;

/// <summary><c>GET /api/me</c>: the smallest authenticated endpoint; benchmarks use it.</summary>
internal static class MeEndpoints
{
    public static IEndpointRouteBuilder MapMeEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/me", (HttpContext http) =>
        {
            var invocation = http.GetForgeInvocation().Invocation;
            return TypedResults.Ok(new MeResponse(invocation.InstallationId, invocation.CloudId, invocation.PrincipalAccountId));
        }).WithName("Me");
        return routes;
    }
}

internal sealed record MeResponse(string InstallationId, string? CloudId, string? AccountId);
