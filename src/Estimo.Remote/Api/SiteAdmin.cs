using Estimo.Forge.Jira;
using Estimo.Remote.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Estimo.Remote.Api;

/// <summary>
/// Decides whether the FIT's user is a Jira site admin by asking Jira as that user
/// (<c>GET /rest/api/3/mypermissions?permissions=ADMINISTER</c> with the user's Forge OAuth
/// token), the same way project permissions are checked: Jira decides, never the browser.
/// Answers with a 403 problem (or the Jira failure) when they are not, or cannot be checked.
/// </summary>
internal static class SiteAdmin
{
    public const string Permission = "ADMINISTER";

    /// <summary>Null when the caller is a site admin; otherwise the problem to answer with.</summary>
    public static async Task<ProblemHttpResult?> RequireAsync(HttpContext http, JiraUserClient jira, CancellationToken cancellationToken)
    {
        var invocation = http.GetForgeInvocation();
        if (invocation.Invocation.PrincipalAccountId is not { Length: > 0 })
        {
            return Problem(StatusCodes.Status403Forbidden, "no_user", "Only a signed-in site admin can do this.");
        }

        if (invocation.UserToken is not { } userToken || invocation.Invocation.ApiBaseUrl is not { } apiBase)
        {
            return Problem(StatusCodes.Status400BadRequest, "user_token_required", "Call this through invokeRemote, so Jira can be asked as you.");
        }

        var result = await jira.HasGlobalPermissionAsync(apiBase, userToken.Reveal(), Permission, cancellationToken);
        return result.Failure switch
        {
            JiraFailure.None when result.Value => null,
            JiraFailure.None => Problem(StatusCodes.Status403Forbidden, "not_site_admin", "Only a Jira site admin can do this."),
            JiraFailure.RateLimited => Problem(StatusCodes.Status429TooManyRequests, "jira_rate_limited", "Jira is rate limiting requests; try again shortly."),
            JiraFailure.Unauthorized => Problem(StatusCodes.Status502BadGateway, "jira_unauthorized", "Jira did not accept your session; reload the page."),
            _ => Problem(StatusCodes.Status502BadGateway, "jira_unavailable", "Jira could not be reached; try again shortly."),
        };
    }

    private static ProblemHttpResult Problem(int status, string code, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, extensions: new Dictionary<string, object?> { ["code"] = code });
}
