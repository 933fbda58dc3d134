using System.Text.Json.Nodes;
using Estimo.Simulator.Infrastructure;
using Estimo.Simulator.Jira;

namespace Estimo.Simulator.Forge;

/// <summary>Where a UI module is rendered: the module, and the project or issue page around it.</summary>
public sealed record UiLocation(string ModuleKey, string? ProjectKey, string? IssueKey);

/// <summary>A location the current user may not see, or that names no module.</summary>
public sealed class LocationException(string message) : Exception(message);

/// <summary>
/// Builds what Forge derives from a rendered module: the <c>view.getContext()</c> answer and the
/// claims of the Forge Invocation Token (iss/aud/exp are added by the signer).
/// </summary>
public sealed class ForgeContexts(ManifestProvider manifest, JiraSite site, AppInstallation installation, SiteUrls urls)
{
    public string LocalId(UiModule module) =>
        $"ari:cloud:ecosystem::extension/{manifest.Get().AppUuid}/{AppInstallation.EnvironmentId}/static/{module.Key}";

    /// <summary>The <c>extension</c> object for a module at a location, checked against what the user may browse.</summary>
    public (UiModule Module, JsonObject Extension) Resolve(UiLocation location, SimUser user)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(user);
        var module = manifest.Get().FindUiModule(location.ModuleKey) ?? throw new LocationException($"The manifest has no UI module '{location.ModuleKey}'.");
        var extension = new JsonObject { ["type"] = module.Type };
        lock (site.Gate)
        {
            if (location.IssueKey is { } issueKey)
            {
                var issue = site.FindIssue(issueKey);
                if (issue is null || !user.Can(issue.ProjectKey, ProjectAccess.Browse))
                {
                    throw new LocationException(JiraErrors.IssueNotFound);
                }
                var project = site.ProjectOf(issue);
                var type = site.IssueTypeOf(issue);
                extension["issue"] = new JsonObject { ["id"] = issue.Id, ["key"] = issue.Key, ["type"] = type.Name, ["typeId"] = type.Id };
                extension["project"] = new JsonObject { ["id"] = project.Id, ["key"] = project.Key, ["type"] = "software" };
                extension["isNewToIssue"] = false;
            }
            else if (location.ProjectKey is { } projectKey)
            {
                var project = site.FindProject(projectKey);
                if (project is null || !user.Can(project.Key, ProjectAccess.Browse))
                {
                    throw new LocationException($"No project could be found with key '{projectKey}'.");
                }
                extension["project"] = new JsonObject { ["id"] = project.Id, ["key"] = project.Key, ["type"] = "software" };
                // Forge gives no board on a project page; the simulator names the project's board as a convenience.
                if (site.Boards.FirstOrDefault(b => b.ProjectKey == project.Key) is { } board)
                {
                    extension["board"] = new JsonObject { ["id"] = board.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), ["type"] = board.Type };
                }
            }
        }
        return (module, extension);
    }

    /// <summary>What <c>view.getContext()</c> resolves to in the iframe.</summary>
    public JsonObject ViewContext(UiModule module, JsonObject extension, SimUser user)
    {
        ArgumentNullException.ThrowIfNull(module);
        var app = manifest.Get();
        return new JsonObject
        {
            ["accountId"] = user.AccountId,
            ["cloudId"] = SeedData.CloudId,
            ["extension"] = extension.DeepClone(),
            ["environmentId"] = AppInstallation.EnvironmentId,
            ["environmentType"] = AppInstallation.EnvironmentType,
            ["license"] = null,
            ["localId"] = LocalId(module),
            ["locale"] = "en-US",
            ["moduleKey"] = module.Key,
            ["siteUrl"] = urls.BaseUrl,
            ["timezone"] = "Etc/UTC",
            ["theme"] = new JsonObject { ["colorMode"] = "light" },
            ["permissions"] = new JsonObject
            {
                ["scopes"] = new JsonArray(app.Scopes.Order(StringComparer.Ordinal).Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
                ["external"] = new JsonObject
                {
                    ["fetch"] = new JsonObject
                    {
                        ["client"] = new JsonArray(app.FetchClientRemotes.Select(r => (JsonNode?)new JsonObject { ["remote"] = r }).ToArray()),
                    },
                },
            },
        };
    }

    /// <summary>FIT claims for a call made from a UI module by a user (principal set).</summary>
    public JsonObject UiInvocationClaims(UiModule module, JsonObject extension, SimUser user, string installationId)
    {
        ArgumentNullException.ThrowIfNull(module);
        var claims = AppClaims(module.Type, module.Key, installationId, new JsonObject
        {
            ["cloudId"] = SeedData.CloudId,
            ["siteUrl"] = urls.BaseUrl,
            ["localId"] = LocalId(module),
            ["moduleKey"] = module.Key,
            ["extension"] = extension.DeepClone(),
        });
        claims["principal"] = user.AccountId;
        return claims;
    }

    /// <summary>FIT claims for an event or scheduled trigger delivery (no principal).</summary>
    public JsonObject BackgroundInvocationClaims(TriggerModule trigger, string installationId)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return AppClaims("core:" + trigger.Type, trigger.Key, installationId, new JsonObject
        {
            ["cloudId"] = SeedData.CloudId,
            ["siteUrl"] = urls.BaseUrl,
            ["moduleKey"] = trigger.Key,
        });
    }

    private JsonObject AppClaims(string moduleType, string moduleKey, string installationId, JsonObject context) => new()
    {
        ["app"] = new JsonObject
        {
            ["installationId"] = installationId,
            ["apiBaseUrl"] = urls.ApiBaseUrl,
            ["id"] = manifest.Get().AppId,
            ["version"] = installation.Version,
            ["environment"] = new JsonObject { ["type"] = AppInstallation.EnvironmentType, ["id"] = AppInstallation.EnvironmentId },
            ["module"] = new JsonObject { ["type"] = moduleType, ["key"] = moduleKey },
            ["license"] = new JsonObject { ["isActive"] = true },
        },
        ["context"] = context,
    };
}
