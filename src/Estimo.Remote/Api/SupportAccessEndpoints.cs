using Estimo.Forge.Jira;
using Estimo.Remote.Authentication;
using Estimo.Storage.Access;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Estimo.Remote.Api;

/// <summary>
/// <c>GET /api/admin/support-access</c>: access transparency. A site admin sees when Estimo's
/// support looked at or changed their site's data: when, which operator (pseudonymous id),
/// why (reason, ticket) and what was done. Only the verified installation's records, ever.
/// </summary>
internal static class SupportAccessEndpoints
{
    public static IEndpointRouteBuilder MapSupportAccessEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/admin/support-access", ListAsync).WithName("SupportAccess");
        return routes;
    }

    private static async Task<Results<Ok<SupportAccessResponse>, ProblemHttpResult>> ListAsync(HttpContext http, JiraUserClient jira, SupportAccessLog log, CancellationToken ct)
    {
        if (await SiteAdmin.RequireAsync(http, jira, ct) is { } problem)
        {
            return problem;
        }

        var entries = await log.ListAsync(http.GetForgeInvocation().Invocation.InstallationId, 200, ct);
        return TypedResults.Ok(new SupportAccessResponse(entries));
    }
}

internal sealed record SupportAccessResponse(IReadOnlyList<SupportAccessEntry> Entries);
