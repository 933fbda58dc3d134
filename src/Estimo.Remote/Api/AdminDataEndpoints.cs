using Estimo.Forge.Jira;
using Estimo.Remote.Authentication;
using Estimo.Storage.Lifecycle;
using Microsoft.AspNetCore.Mvc;

namespace Estimo.Remote.Api;

/// <summary>
/// The admin page's "Data &amp; privacy" API (docs/api.md): what Estimo stores for this site, and
/// "delete our data now". Site admins only (<see cref="SiteAdmin"/>); always the FIT's
/// installation, never one named by the request.
/// </summary>
internal static partial class AdminDataEndpoints
{
    public const long MaxBodyBytes = 4 * 1024;

    public static IEndpointRouteBuilder MapAdminDataEndpoints(this IEndpointRouteBuilder routes)
    {
        var admin = routes.MapGroup("/api/admin/data");
        admin.MapGet("/", SummaryAsync).WithName("AdminDataSummary");
        admin.MapPost("/delete", DeleteAsync).WithName("AdminDataDelete").WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
        return routes;
    }

    private static async Task<IResult> SummaryAsync(HttpContext http, JiraUserClient jira, InstallationPurger purger, CancellationToken ct)
    {
        if (await SiteAdmin.RequireAsync(http, jira, ct) is { } refused)
        {
            return refused;
        }

        var invocation = http.GetForgeInvocation().Invocation;
        var summary = await purger.SummarizeAsync(invocation.InstallationId, ct);
        return TypedResults.Ok(new DataSummaryResponse(
            summary.Sessions,
            summary.StoredAccountIds,
            summary.OldestData,
            summary.LastPersonalDataReport,
            summary.LastPurgedAt,
            SiteName(invocation.SiteUrl)));
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, DeleteDataRequest? body, JiraUserClient jira, InstallationPurger purger, ILoggerFactory loggers, CancellationToken ct)
    {
        if (await SiteAdmin.RequireAsync(http, jira, ct) is { } refused)
        {
            return refused;
        }

        var invocation = http.GetForgeInvocation().Invocation;
        var expected = SiteName(invocation.SiteUrl);
        if (expected is null)
        {
            return Problem(StatusCodes.Status400BadRequest, "no_site", "The request does not name the site; open the admin page from Jira.");
        }

        if (body?.Confirm is not { } typed || !string.Equals(typed.Trim(), expected, StringComparison.OrdinalIgnoreCase))
        {
            return Problem(StatusCodes.Status400BadRequest, "confirmation_required", $"Type the site name ({expected}) in 'confirm' to delete this site's Estimo data.");
        }

        var result = await purger.PurgeAsync(invocation.InstallationId, PurgeReason.AdminRequest, "site-admin", null, ct);
        DataDeleted(loggers.CreateLogger("Estimo.Remote.Api.AdminData"), invocation.InstallationId, result.Sessions);
        return TypedResults.Ok(new DeleteDataResponse(result.Sessions, result.Accounts, result.SystemTokens, result.DataKeys, result.AlreadyPurged));
    }

    /// <summary>The site's host name, e.g. <c>acme.atlassian.net</c>: what the admin types to confirm.</summary>
    internal static string? SiteName(Uri? siteUrl) => siteUrl is { IsAbsoluteUri: true } url ? url.Host : null;

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Problem(int status, string code, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, extensions: new Dictionary<string, object?> { ["code"] = code });

    [LoggerMessage(5621, LogLevel.Warning, "A site admin deleted installation {InstallationId}'s data now ({Sessions} session(s))")]
    private static partial void DataDeleted(ILogger logger, string installationId, int sessions);
}

internal sealed record DeleteDataRequest(string? Confirm);

internal sealed record DataSummaryResponse(int Sessions, int StoredAccountIds, DateTimeOffset? OldestData, DateTimeOffset? LastPersonalDataReport, DateTimeOffset? LastDeletedAt, string? SiteName);

internal sealed record DeleteDataResponse(int SessionsDeleted, int AccountIdsDeleted, int SystemTokensDeleted, int DataKeysDestroyed, bool NothingWasStored);
