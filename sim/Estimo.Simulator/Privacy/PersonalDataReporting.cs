using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Estimo.Simulator.Auth;
using Estimo.Simulator.Forge;
using Estimo.Simulator.Jira;

namespace Estimo.Simulator.Privacy;

/// <summary>What the simulated Atlassian account service knows about an account's personal data.</summary>
public sealed record AccountPrivacyState(bool Closed, DateTimeOffset? ProfileUpdatedAt);

/// <summary>
/// Account closures and profile updates, set through <c>/__sim/personal-data/{accountId}</c>, that
/// the personal data reporting API reports back to the app.
/// </summary>
public sealed class AccountPrivacyRegistry
{
    private readonly ConcurrentDictionary<string, AccountPrivacyState> _accounts = new(StringComparer.Ordinal);

    public void MarkClosed(string accountId) =>
        _accounts.AddOrUpdate(accountId, new AccountPrivacyState(true, null), (_, s) => s with { Closed = true });

    public void MarkUpdated(string accountId, DateTimeOffset at) =>
        _accounts.AddOrUpdate(accountId, new AccountPrivacyState(false, at), (_, s) => s with { ProfileUpdatedAt = at });

    public AccountPrivacyState? Find(string accountId) => _accounts.GetValueOrDefault(accountId);

    public IReadOnlyDictionary<string, AccountPrivacyState> All => _accounts;

    public void Clear() => _accounts.Clear();
}

/// <summary>
/// Atlassian's personal data reporting API as an app reaches it through api.atlassian.com:
/// <c>POST /app/report-accounts/</c> with <c>{accounts: [{accountId, updatedAt}]}</c> (1 to 90
/// accounts) → 200 <c>{accounts: [{accountId, status: closed|updated}]}</c> for the accounts the
/// app must erase or refresh, or 204 when there is nothing to do. A Forge remote authenticates with
/// its app system token (<c>x-forge-oauth-system</c>).
/// </summary>
public static class PersonalDataReporting
{
    public const int MaxAccountsPerRequest = 90;

    /// <summary>The scope the API gateway asks of the caller's token.</summary>
    public const string Scope = "report:personal-data";

    public static void MapPersonalDataReporting(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Routing ignores the trailing slash, so this also answers the documented /app/report-accounts/.
        app.MapPost("/app/report-accounts", ReportAsync);
        app.MapPost("/__sim/personal-data/{accountId}", ControlAsync);
        app.MapGet("/__sim/personal-data", (AccountPrivacyRegistry registry) =>
            Results.Json(registry.All.ToDictionary(a => a.Key, a => new { closed = a.Value.Closed, profileUpdatedAt = a.Value.ProfileUpdatedAt })));
    }

    private static IResult Error(int status, string message) =>
        Results.Json(new { code = status, message }, statusCode: status);

    private static async Task<IResult> ReportAsync(HttpContext c, TokenStore tokens, AccountPrivacyRegistry registry, ManifestProvider manifest)
    {
        var header = c.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || tokens.Resolve(header["Bearer ".Length..].Trim()) is not { } token)
        {
            return Error(StatusCodes.Status401Unauthorized, "Unauthorized");
        }
        if (token.Kind != TokenKind.AppSystem)
        {
            return Error(StatusCodes.Status403Forbidden, "The personal data reporting API takes the app's own (system) token.");
        }
        if (manifest.TryGet(out var app) && !app.Scopes.Contains(Scope))
        {
            return Error(StatusCodes.Status401Unauthorized, $"Unauthorized; scope does not match (needs {Scope})");
        }

        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(c.Request.Body, cancellationToken: c.RequestAborted);
        }
        catch (JsonException)
        {
            return Error(StatusCodes.Status400BadRequest, "The request body is not JSON.");
        }
        if (body?["accounts"] is not JsonArray accounts || accounts.Count is 0 or > MaxAccountsPerRequest)
        {
            return Error(StatusCodes.Status400BadRequest, $"'accounts' must be an array of 1 to {MaxAccountsPerRequest} items.");
        }

        var result = new JsonArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in accounts)
        {
            if (item?["accountId"] is not JsonValue idValue || !idValue.TryGetValue<string>(out var accountId) || string.IsNullOrWhiteSpace(accountId)
                || item["updatedAt"] is not JsonValue atValue || !atValue.TryGetValue<string>(out var updatedAtText)
                || !DateTimeOffset.TryParse(updatedAtText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var updatedAt))
            {
                return Error(StatusCodes.Status400BadRequest, "Each account needs an 'accountId' and an ISO 8601 'updatedAt'.");
            }
            if (!seen.Add(accountId) || registry.Find(accountId) is not { } state)
            {
                continue;
            }
            if (state.Closed)
            {
                result.Add(new JsonObject { ["accountId"] = accountId, ["status"] = "closed" });
            }
            else if (state.ProfileUpdatedAt is { } changed && changed > updatedAt)
            {
                result.Add(new JsonObject { ["accountId"] = accountId, ["status"] = "updated" });
            }
        }
        return result.Count == 0 ? Results.NoContent() : Results.Json(new JsonObject { ["accounts"] = result });
    }

    private sealed record ControlRequest(string? Status, DateTimeOffset? UpdatedAt);

    /// <summary><c>{status: "closed"}</c> or <c>{status: "updated", updatedAt?}</c> (default: now).</summary>
    private static async Task<IResult> ControlAsync(HttpContext c, AccountPrivacyRegistry registry, JiraSite site, TimeProvider clock, string accountId)
    {
        var request = c.Request.ContentLength is > 0 || c.Request.ContentType is not null
            ? await c.Request.ReadFromJsonAsync<ControlRequest>(new JsonSerializerOptions(JsonSerializerDefaults.Web), c.RequestAborted)
            : null;
        switch (request?.Status)
        {
            case "closed":
                registry.MarkClosed(accountId);
                break;
            case "updated":
                registry.MarkUpdated(accountId, request.UpdatedAt ?? clock.GetUtcNow());
                break;
            default:
                return Results.BadRequest(new { message = "status must be 'closed' or 'updated'." });
        }
        var state = registry.Find(accountId)!;
        return Results.Json(new { accountId, known = site.FindUser(accountId) is not null, closed = state.Closed, profileUpdatedAt = state.ProfileUpdatedAt });
    }
}
