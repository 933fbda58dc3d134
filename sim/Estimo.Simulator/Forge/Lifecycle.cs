using System.Text.Json.Nodes;
using Estimo.Simulator.Auth;
using Estimo.Simulator.Jira;
using Microsoft.Extensions.Options;

namespace Estimo.Simulator.Forge;

/// <summary>
/// Installs, upgrades and uninstalls the app on the simulated site and delivers the matching
/// lifecycle events (and scheduled triggers) to the remote, signed like Forge's: POST, FIT in
/// <c>Authorization</c>, system token in <c>x-forge-oauth-system</c>, 5 s timeout, retried with a
/// <c>retryContext</c> when the remote fails.
/// </summary>
public sealed partial class Lifecycle(
    ManifestProvider manifest,
    AppInstallation installation,
    ForgeContexts contexts,
    InvocationTokenSigner signer,
    TokenStore tokens,
    RemoteClient remote,
    TimeProvider clock,
    IOptions<SimulatorOptions> options,
    ILogger<Lifecycle> logger)
{
    public const string InstalledEvent = "avi:forge:installed:app";
    public const string UpgradedEvent = "avi:forge:upgraded:app";
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(5);

    public async Task<JsonObject> InstallAsync(string installerAccountId, CancellationToken cancellationToken)
    {
        var app = manifest.Get();
        var installationId = installation.Install();
        if (installationId is null)
        {
            return new JsonObject { ["installed"] = false, ["installationId"] = installation.InstallationId, ["message"] = "The app is already installed." };
        }
        LogInstalled(logger, installationId);
        var body = new JsonObject
        {
            ["eventType"] = InstalledEvent,
            ["id"] = installationId,
            ["installerAccountId"] = installerAccountId,
            ["app"] = AppObject(app),
            ["environment"] = new JsonObject { ["id"] = AppInstallation.EnvironmentId },
        };
        var deliveries = await DeliverEventAsync(InstalledEvent, body, installationId, cancellationToken);
        return new JsonObject { ["installed"] = true, ["installationId"] = installationId, ["version"] = installation.Version, ["deliveries"] = deliveries };
    }

    public async Task<JsonObject?> UpgradeAsync(string upgraderAccountId, CancellationToken cancellationToken)
    {
        var app = manifest.Get();
        if (installation.Upgrade() is not { } version || installation.InstallationId is not { } installationId)
        {
            return null;
        }
        var body = new JsonObject
        {
            ["eventType"] = UpgradedEvent,
            ["id"] = installationId,
            ["upgraderAccountId"] = upgraderAccountId,
            ["app"] = AppObject(app),
            ["environment"] = new JsonObject { ["id"] = AppInstallation.EnvironmentId },
        };
        var deliveries = await DeliverEventAsync(UpgradedEvent, body, installationId, cancellationToken);
        return new JsonObject { ["installationId"] = installationId, ["version"] = version, ["deliveries"] = deliveries };
    }

    /// <summary>Forge sends remotes no uninstall event; the app notices when its tokens stop working.</summary>
    public JsonObject Uninstall()
    {
        if (installation.Uninstall() is not { } installationId)
        {
            return new JsonObject { ["uninstalled"] = false, ["message"] = "The app is not installed." };
        }
        var revoked = tokens.RevokeInstallation(installationId);
        LogUninstalled(logger, installationId, revoked);
        return new JsonObject { ["uninstalled"] = true, ["installationId"] = installationId, ["revokedTokens"] = revoked };
    }

    /// <summary>Fires a scheduledTrigger (or any trigger) module by key; null when the manifest has no such module.</summary>
    public async Task<JsonObject?> FireTriggerAsync(string key, CancellationToken cancellationToken)
    {
        var trigger = manifest.Get().Triggers.FirstOrDefault(t => t.Key == key);
        if (trigger is null)
        {
            return null;
        }
        if (installation.InstallationId is not { } installationId)
        {
            return new JsonObject { ["delivered"] = false, ["message"] = "The app is not installed." };
        }
        var body = new JsonObject
        {
            ["context"] = new JsonObject { ["cloudId"] = SeedData.CloudId, ["moduleKey"] = trigger.Key },
            ["userAccess"] = new JsonObject { ["enabled"] = false },
        };
        if (trigger.Type == "trigger" && trigger.Events.Count > 0)
        {
            body["eventType"] = trigger.Events[0];
        }
        return await DeliverAsync(trigger, body, installationId, cancellationToken);
    }

    private static JsonObject AppObject(ForgeManifest app) => new()
    {
        ["id"] = app.AppId,
        ["version"] = "",
        ["name"] = "Estimo",
        ["ownerAccountId"] = SeedData.AliceId,
    };

    private async Task<JsonArray> DeliverEventAsync(string eventType, JsonObject body, string installationId, CancellationToken cancellationToken)
    {
        body["app"]!["version"] = installation.Version;
        var results = new JsonArray();
        foreach (var trigger in manifest.Get().Triggers.Where(t => t.Type == "trigger" && t.Events.Contains(eventType)))
        {
            var perTrigger = (JsonObject)body.DeepClone();
            perTrigger["context"] = new JsonObject { ["cloudId"] = SeedData.CloudId, ["moduleKey"] = trigger.Key };
            results.Add(await DeliverAsync(trigger, perTrigger, installationId, cancellationToken));
        }
        return results;
    }

    private async Task<JsonObject> DeliverAsync(TriggerModule trigger, JsonObject body, string installationId, CancellationToken cancellationToken)
    {
        var app = manifest.Get();
        var result = new JsonObject { ["module"] = trigger.Key, ["endpoint"] = trigger.Endpoint };
        if (!app.Endpoints.TryGetValue(trigger.Endpoint, out var endpoint) || !app.RemoteBaseUrls.TryGetValue(endpoint.Remote, out var baseUrl))
        {
            result["delivered"] = false;
            result["error"] = $"Endpoint '{trigger.Endpoint}' or its remote is not in the manifest.";
            return result;
        }
        var url = new Uri(baseUrl + (endpoint.RoutePath ?? "/"));
        result["url"] = url.ToString();
        var attempts = 0;
        RemoteResponse? last = null;
        for (var retry = 0; retry <= options.Value.EventMaxRetries; retry++)
        {
            if (retry > 0)
            {
                body["retryContext"] = new JsonObject
                {
                    ["retryCount"] = retry,
                    ["retryReason"] = last?.Status >= 500 ? "FUNCTION_UPSTREAM_ERROR" : "FUNCTION_TIMEOUT",
                    ["retryData"] = null,
                };
                await Task.Delay(options.Value.EventRetryDelay, clock, cancellationToken);
            }
            attempts++;
            var headers = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["Authorization"] = "Bearer " + signer.Sign(app.Audience, contexts.BackgroundInvocationClaims(trigger, installationId), clock.GetUtcNow(), options.Value.InvocationTokenLifetime),
            };
            if (endpoint.AppSystemToken)
            {
                headers["x-forge-oauth-system"] = tokens.Issue(TokenKind.AppSystem, SeedData.AppUserId, installationId).Value;
            }
            last = await remote.SendAsync(new RemoteRequest(HttpMethod.Post, url, headers, body.ToJsonString()), EventTimeout, cancellationToken);
            LogDelivery(logger, trigger.Key, url, last.Status, attempts);
            if (last.Error is null && last.Status is >= 200 and < 300)
            {
                break;
            }
        }
        result["attempts"] = attempts;
        result["status"] = last?.Status ?? 0;
        result["delivered"] = last is { Error: null, Status: >= 200 and < 300 };
        if (last?.Error is { } error)
        {
            result["error"] = error;
        }
        else if (last is { Status: >= 300 })
        {
            result["error"] = $"The remote answered {last.Status}.";
            result["body"] = last.Body.Length > 2000 ? last.Body[..2000] : last.Body;
        }
        return result;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "App installed as {InstallationId}")]
    private static partial void LogInstalled(ILogger logger, string installationId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "App uninstalled ({InstallationId}); {Revoked} tokens revoked")]
    private static partial void LogUninstalled(ILogger logger, string installationId, int revoked);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Delivered {Module} to {Url}: status {Status} (attempt {Attempt})")]
    private static partial void LogDelivery(ILogger logger, string module, Uri url, int status, int attempt);
}
