using Microsoft.Extensions.Options;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Estimo.Simulator.Forge;

/// <summary>A UI module the host can render (jira:projectPage, jira:issuePanel, …).</summary>
public sealed record UiModule(string Type, string Key, string Title, string ResourceKey, string? ResolverEndpoint);

/// <summary>An <c>endpoint</c> module: which remote, which route, which tokens Forge sends along.</summary>
public sealed record EndpointModule(string Key, string Remote, string? RoutePath, bool AppUserToken, bool AppSystemToken);

/// <summary>A <c>trigger</c> (product or lifecycle events) or <c>scheduledTrigger</c> module wired to an endpoint.</summary>
public sealed record TriggerModule(string Type, string Key, string Endpoint, IReadOnlyList<string> Events);

/// <summary>The parts of the app's manifest.yml the simulator acts on.</summary>
public sealed record ForgeManifest(
    string Path,
    string AppId,
    IReadOnlyList<UiModule> UiModules,
    IReadOnlyDictionary<string, string> ResourceDirectories,
    IReadOnlyDictionary<string, string> RemoteBaseUrls,
    IReadOnlyDictionary<string, EndpointModule> Endpoints,
    IReadOnlyList<TriggerModule> Triggers,
    IReadOnlySet<string> Scopes,
    IReadOnlyList<string> FetchClientRemotes,
    IReadOnlySet<string> ContentStyles)
{
    /// <summary>The uuid part of <c>ari:cloud:ecosystem::app/&lt;uuid&gt;</c>.</summary>
    public string AppUuid => AppId[(AppId.LastIndexOf('/') + 1)..];

    /// <summary>The audience Forge puts in every FIT for this app.</summary>
    public string Audience => AppId;

    public UiModule? FindUiModule(string key) => UiModules.FirstOrDefault(m => m.Key == key);
}

public sealed class ManifestException(string message) : Exception(message);

/// <summary>
/// Reads forge/manifest.yml with YamlDotNet once, on first use. Settings can override where
/// resources live (Simulator:ResourceRoots) and where remotes are (Simulator:Remote:BaseUrl).
/// </summary>
public sealed class ManifestProvider(IOptions<SimulatorOptions> options)
{
    private static readonly string[] UiModuleTypes = ["jira:projectPage", "jira:issuePanel", "jira:boardAction", "jira:issueContext", "jira:adminPage", "jira:globalPage", "jira:projectSettingsPage"];
    private readonly Lazy<ForgeManifest> _manifest = new(() => Load(options.Value), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The manifest; throws <see cref="ManifestException"/> with a readable reason when it cannot be used.</summary>
    public ForgeManifest Get() => _manifest.Value;

    public bool TryGet(out ForgeManifest manifest)
    {
        try
        {
            manifest = _manifest.Value;
            return true;
        }
        catch (ManifestException)
        {
            manifest = null!;
            return false;
        }
    }

    public static string ResolveManifestPath(string configured)
    {
        ArgumentNullException.ThrowIfNull(configured);
        if (System.IO.Path.IsPathRooted(configured))
        {
            return configured;
        }
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Estimo.slnx")))
                {
                    return System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, configured));
                }
            }
        }
        return System.IO.Path.GetFullPath(configured);
    }

    private static ForgeManifest Load(SimulatorOptions options)
    {
        var path = ResolveManifestPath(options.ManifestPath);
        if (!File.Exists(path))
        {
            throw new ManifestException($"Forge manifest not found at '{path}' (setting Simulator:ManifestPath).");
        }
        object? root;
        try
        {
            root = new DeserializerBuilder().Build().Deserialize<object>(File.ReadAllText(path));
        }
        catch (YamlException e)
        {
            throw new ManifestException($"Forge manifest '{path}' is not valid YAML: {e.Message}");
        }
        var doc = Map(root) ?? throw new ManifestException($"Forge manifest '{path}' is empty.");
        var dir = System.IO.Path.GetDirectoryName(path)!;

        var appId = Str(Map(doc.GetValueOrDefault("app"))?.GetValueOrDefault("id"))
            ?? throw new ManifestException($"Forge manifest '{path}' has no app.id.");
        if (!appId.StartsWith("ari:cloud:ecosystem::app/", StringComparison.Ordinal))
        {
            throw new ManifestException($"app.id '{appId}' is not an ari:cloud:ecosystem::app/<uuid>.");
        }

        var modules = Map(doc.GetValueOrDefault("modules")) ?? [];
        var ui = new List<UiModule>();
        foreach (var type in UiModuleTypes)
        {
            foreach (var m in Items(modules.GetValueOrDefault(type)))
            {
                if (Str(m.GetValueOrDefault("key")) is { } key && Str(m.GetValueOrDefault("resource")) is { } resource)
                {
                    ui.Add(new UiModule(type, key, Str(m.GetValueOrDefault("title")) ?? key, resource.Split(';')[0],
                        Str(Map(m.GetValueOrDefault("resolver"))?.GetValueOrDefault("endpoint"))));
                }
            }
        }

        var endpoints = new Dictionary<string, EndpointModule>(StringComparer.Ordinal);
        foreach (var m in Items(modules.GetValueOrDefault("endpoint")))
        {
            if (Str(m.GetValueOrDefault("key")) is not { } key || Str(m.GetValueOrDefault("remote")) is not { } remote)
            {
                continue;
            }
            var auth = Map(m.GetValueOrDefault("auth"));
            endpoints[key] = new EndpointModule(key, remote,
                Str(Map(m.GetValueOrDefault("route"))?.GetValueOrDefault("path")),
                Enabled(auth?.GetValueOrDefault("appUserToken")),
                Enabled(auth?.GetValueOrDefault("appSystemToken")));
        }

        var triggers = new List<TriggerModule>();
        foreach (var type in new[] { "trigger", "scheduledTrigger" })
        {
            foreach (var m in Items(modules.GetValueOrDefault(type)))
            {
                if (Str(m.GetValueOrDefault("key")) is { } key && Str(m.GetValueOrDefault("endpoint")) is { } endpoint)
                {
                    var events = (m.GetValueOrDefault("events") as List<object> ?? []).Select(e => Str(e) ?? "").ToList();
                    triggers.Add(new TriggerModule(type, key, endpoint, events));
                }
            }
        }

        var resources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var r in Items(doc.GetValueOrDefault("resources")))
        {
            if (Str(r.GetValueOrDefault("key")) is { } key && Str(r.GetValueOrDefault("path")) is { } rel)
            {
                resources[key] = options.ResourceRoots.TryGetValue(key, out var overridden)
                    ? System.IO.Path.GetFullPath(overridden)
                    : System.IO.Path.GetFullPath(System.IO.Path.Combine(dir, rel));
            }
        }

        var remotes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var r in Items(doc.GetValueOrDefault("remotes")))
        {
            if (Str(r.GetValueOrDefault("key")) is not { } key)
            {
                continue;
            }
            var baseUrl = r.GetValueOrDefault("baseUrl");
            var url = Str(baseUrl) ?? Str(Map(baseUrl)?.GetValueOrDefault("default"));
            if (options.Remote.BaseUrl is { } overrideUrl)
            {
                url = overrideUrl;
            }
            if (url is not null)
            {
                remotes[key] = url.TrimEnd('/');
            }
        }

        var permissions = Map(doc.GetValueOrDefault("permissions"));
        var scopes = (permissions?.GetValueOrDefault("scopes") as List<object> ?? []).Select(s => Str(s) ?? "").ToHashSet(StringComparer.Ordinal);
        var fetchClient = Map(Map(permissions?.GetValueOrDefault("external"))?.GetValueOrDefault("fetch"))?.GetValueOrDefault("client") as List<object> ?? [];
        var clientRemotes = fetchClient.Select(e => Str(Map(e)?.GetValueOrDefault("remote"))).OfType<string>().ToList();
        var styles = (Map(permissions?.GetValueOrDefault("content"))?.GetValueOrDefault("styles") as List<object> ?? [])
            .Select(s => Str(s) ?? "").ToHashSet(StringComparer.Ordinal);

        foreach (var (key, endpoint) in endpoints)
        {
            if (!remotes.ContainsKey(endpoint.Remote))
            {
                throw new ManifestException($"Endpoint '{key}' names remote '{endpoint.Remote}', which the manifest does not declare.");
            }
        }
        return new ForgeManifest(path, appId, ui, resources, remotes, endpoints, triggers, scopes, clientRemotes, styles);
    }

    private static Dictionary<string, object?>? Map(object? node) =>
        node is Dictionary<object, object?> d ? d.ToDictionary(kv => kv.Key.ToString()!, kv => kv.Value, StringComparer.Ordinal) : null;

    private static IEnumerable<Dictionary<string, object?>> Items(object? node) =>
        (node as List<object?> ?? []).Select(Map).OfType<Dictionary<string, object?>>();

    private static string? Str(object? node) => node as string;

    private static bool Enabled(object? node) =>
        string.Equals(Str(Map(node)?.GetValueOrDefault("enabled")), "true", StringComparison.OrdinalIgnoreCase);
}
