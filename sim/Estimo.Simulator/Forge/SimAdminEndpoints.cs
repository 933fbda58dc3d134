using System.Text.Json;
using System.Text.Json.Nodes;
using Estimo.Simulator.Auth;
using Estimo.Simulator.Infrastructure;
using Estimo.Simulator.Jira;
using Microsoft.Extensions.Options;

namespace Estimo.Simulator.Forge;

/// <summary>
/// Test and demo controls under <c>/__sim</c>: reset, mint tokens, sign a FIT, install, upgrade,
/// uninstall, fire triggers. Unauthenticated by design: the simulator listens on loopback only.
/// </summary>
public static class SimAdminEndpoints
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public static void MapSimAdmin(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var g = app.MapGroup("/__sim");
        g.MapPost("/reset", (HttpContext c, JiraSite site, RateLimiter limiter, TokenStore tokens, Lifecycle lifecycle, Privacy.AccountPrivacyRegistry privacy) =>
        {
            site.Reset();
            limiter.Reset();
            privacy.Clear();
            var all = string.Equals(c.Request.Query["all"], "true", StringComparison.OrdinalIgnoreCase);
            if (all)
            {
                lifecycle.Uninstall();
                tokens.Clear();
            }
            return Results.Json(new { reset = true, tokensCleared = all });
        });
        g.MapGet("/state", (JiraSite site, AppInstallation installation, ManifestProvider manifest, SiteUrls urls, InvocationTokenSigner signer) =>
        {
            manifest.TryGet(out var forge);
            return Results.Json(new
            {
                siteUrl = urls.BaseUrl,
                apiBaseUrl = urls.ApiBaseUrl,
                cloudId = SeedData.CloudId,
                jwksUrl = urls.BaseUrl + "/.well-known/jwks.json",
                keyId = signer.KeyId,
                appId = forge?.AppId,
                manifestPath = forge?.Path,
                remotes = forge?.RemoteBaseUrls,
                installed = installation.InstallationId is not null,
                installationId = installation.InstallationId,
                version = installation.Version,
                users = site.Users.Select(u => new
                {
                    u.AccountId,
                    u.DisplayName,
                    permissions = u.Permissions.ToDictionary(p => p.Key, p => p.Value.ToString()),
                }),
            });
        });
        g.MapPost("/tokens", async (HttpContext c, JiraSite site, TokenStore tokens, AppInstallation installation) =>
        {
            var request = await c.Request.ReadFromJsonAsync<TokenRequest>(JsonOptions, c.RequestAborted);
            var kind = (request?.Kind ?? "session") switch
            {
                "session" => TokenKind.Session,
                "app-user" => TokenKind.AppUser,
                "app-system" => TokenKind.AppSystem,
                _ => (TokenKind?)null,
            };
            if (kind is null)
            {
                return Results.BadRequest(new { message = "kind must be session, app-user or app-system." });
            }
            var accountId = kind == TokenKind.AppSystem ? SeedData.AppUserId : request?.AccountId ?? "";
            if (site.FindUser(accountId) is null)
            {
                return Results.BadRequest(new { message = $"Unknown account id '{accountId}'." });
            }
            string? installationId = null;
            if (kind != TokenKind.Session && (installationId = installation.InstallationId) is null)
            {
                return Results.Conflict(new { message = "App tokens exist only while the app is installed." });
            }
            var token = tokens.Issue(kind.Value, accountId, installationId);
            return Results.Json(new { token = token.Value, expiresAt = token.ExpiresAt, accountId });
        });
        g.MapPost("/fit", async (HttpContext c, JiraSite site, ForgeContexts contexts, ManifestProvider manifest, AppInstallation installation,
            InvocationTokenSigner signer, TimeProvider clock, IOptions<SimulatorOptions> options) =>
        {
            var request = await c.Request.ReadFromJsonAsync<FitRequest>(JsonOptions, c.RequestAborted);
            if (installation.InstallationId is not { } installationId)
            {
                return Results.Conflict(new { message = "The app is not installed." });
            }
            if (site.Users.FirstOrDefault(u => u.AccountId == request?.AccountId) is not { } user)
            {
                return Results.BadRequest(new { message = "accountId must name a simulated user." });
            }
            try
            {
                var (module, extension) = contexts.Resolve(new UiLocation(request!.ModuleKey ?? "", request.ProjectKey, request.IssueKey), user);
                var app = manifest.Get();
                var token = signer.Sign(app.Audience, contexts.UiInvocationClaims(module, extension, user, installationId), clock.GetUtcNow(), options.Value.InvocationTokenLifetime);
                return Results.Json(new { token });
            }
            catch (LocationException e)
            {
                return Results.NotFound(new { message = e.Message });
            }
        });
        g.MapPost("/install", async (HttpContext c, Lifecycle lifecycle) =>
            Results.Json(await lifecycle.InstallAsync(SeedData.AliceId, c.RequestAborted)));
        g.MapPost("/upgrade", async (HttpContext c, Lifecycle lifecycle) =>
            await lifecycle.UpgradeAsync(SeedData.AliceId, c.RequestAborted) is { } result
                ? Results.Json(result)
                : Results.Conflict(new { message = "The app is not installed." }));
        g.MapPost("/uninstall", (Lifecycle lifecycle) => Results.Json(lifecycle.Uninstall()));
        g.MapPost("/trigger/{key}", async (HttpContext c, Lifecycle lifecycle, string key) =>
            await lifecycle.FireTriggerAsync(key, c.RequestAborted) is JsonObject result
                ? Results.Json(result)
                : Results.NotFound(new { message = $"The manifest has no trigger module '{key}'." }));
    }

    private sealed record TokenRequest(string? AccountId, string? Kind);

    private sealed record FitRequest(string? AccountId, string? ModuleKey, string? ProjectKey, string? IssueKey);
}
