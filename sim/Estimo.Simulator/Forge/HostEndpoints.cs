using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Estimo.Simulator.Auth;
using Estimo.Simulator.Infrastructure;
using Estimo.Simulator.Jira;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Estimo.Simulator.Forge;

/// <summary>
/// The simulated Forge host: Jira-like pages with the app's iframes, the app's static resources
/// (with the bridge shim injected), and the small API the host page uses to answer bridge calls.
/// </summary>
public static partial class HostEndpoints
{
    public const string UserCookie = "estimo_sim_user";
    /// <summary>Bridge API calls must carry this header: a cross-site form cannot set it, so the cookie alone is not enough.</summary>
    public const string BridgeHeader = "X-Estimo-Sim";
    public const string ShimScriptTag = "<script src=\"/__forge/bridge-shim.js\"></script>";
    private static readonly TimeSpan UiInvocationTimeout = TimeSpan.FromSeconds(25);
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "host", "content-length", "content-type", "cookie", "x-forge-oauth-user", "x-forge-oauth-system", "connection", "transfer-encoding",
    };

    public static void MapForgeHost(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/", Home);
        // The catch-all carries the app's own path (view.createHistory) after the module route, so
        // a deep link such as …/apps/estimo-project-page/session/abc opens the app at /session/abc.
        app.MapGet("/jira/software/projects/{projectKey}/apps/{moduleKey}/{**appPath}", ProjectPage);
        app.MapGet(AdminPageRoutePrefix + "{moduleKey}", AdminPage);
        app.MapGet("/projects/{projectKey}/issues", IssueList);
        app.MapGet("/browse/{issueKey}", IssuePage);
        app.MapPost("/__sim/login", LoginAsync);
        app.MapGet("/__sim/host.js", () => Asset("host.js", "text/javascript; charset=utf-8"));
        app.MapGet("/__sim/host.css", () => Asset("host.css", "text/css; charset=utf-8"));
        app.MapGet("/__forge/bridge-shim.js", () => Asset("bridge-shim.js", "text/javascript; charset=utf-8"));
        app.MapGet("/__forge/resources/{resourceKey}/{**path}", ResourceAsync);
        app.MapGet("/__sim/avatars/{name}", Avatar);
        app.MapGet("/.well-known/jwks.json", (InvocationTokenSigner signer) => Results.Json(signer.Jwks()));

        var bridge = app.MapGroup("/__sim/bridge").AddEndpointFilter(async (context, next) =>
            context.HttpContext.Request.Headers[BridgeHeader] == "1"
                ? await next(context)
                : Results.Json(new { message = $"Bridge calls need the {BridgeHeader} header." }, statusCode: StatusCodes.Status400BadRequest));
        bridge.MapPost("/session", (HttpContext c, JiraSite site, TokenStore tokens) =>
        {
            var token = tokens.Issue(TokenKind.Session, CurrentUser(c, site).AccountId);
            return Results.Json(new { token = token.Value, expiresAt = token.ExpiresAt });
        });
        bridge.MapPost("/context", ContextAsync);
        bridge.MapPost("/invoke", InvokeAsync);
        bridge.MapPost("/remote-token", RemoteTokenAsync);
        bridge.MapPost("/url", UrlAsync);
        bridge.MapPost("/relay", RelayAsync);
    }

    /// <summary>The signed-in user of this browser (a cookie set by the user picker); Alice when none.</summary>
    public static SimUser CurrentUser(HttpContext context, JiraSite site)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(site);
        var id = context.Request.Cookies[UserCookie];
        return site.Users.FirstOrDefault(u => u.AccountId == id) ?? site.Users[0];
    }

    private static IResult HtmlPage(HttpContext c, ManifestProvider manifest, string html, int status = 200)
    {
        var remotes = manifest.TryGet(out var app) ? string.Join(' ', app.RemoteBaseUrls.Values.Select(Origin)) : "";
        c.Response.Headers.ContentSecurityPolicy = HostPages.PageCsp.Replace("{remotes}", remotes, StringComparison.Ordinal).Replace("  ", " ", StringComparison.Ordinal);
        c.Response.Headers.XContentTypeOptions = "nosniff";
        c.Response.Headers["Referrer-Policy"] = "no-referrer";
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    private static string Origin(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.GetLeftPart(UriPartial.Authority) : "";

    private static string Render(HttpContext c, JiraSite site, ManifestProvider manifest, string title, string main)
    {
        var user = CurrentUser(c, site);
        manifest.TryGet(out var app);
        var returnUrl = c.Request.Path + c.Request.QueryString;
        return HostPages.Page(title, user, site.Users, site, app, returnUrl, main);
    }

    private static IResult Home(HttpContext c, JiraSite site, ManifestProvider manifest, AppInstallation installation)
    {
        var main = new StringBuilder("<h1>Estimo simulator</h1>\n");
        if (!manifest.TryGet(out var app))
        {
            try
            {
                manifest.Get();
            }
            catch (ManifestException e)
            {
                main.Append("<p class=\"sim-error\">").Append(HostPages.Encode(e.Message)).Append("</p>\n");
            }
        }
        else
        {
            main.Append("<p>App <code>").Append(HostPages.Encode(app.AppId)).Append("</code> ")
                .Append(installation.InstallationId is { } id ? $"installed as <code>{HostPages.Encode(id)}</code>, version {HostPages.Encode(installation.Version)}." : "is <strong>not installed</strong> (POST /__sim/install).")
                .Append("</p>\n");
        }
        main.Append("<p>Pick a project on the left, or open an issue such as <a href=\"/browse/EST-1\">EST-1</a>.</p>\n");
        return HtmlPage(c, manifest, Render(c, site, manifest, "Estimo simulator", main.ToString()));
    }

    private static string NotInstalled() =>
        "<p class=\"sim-error\">Estimo is not installed on this site. Install it with <code>POST /__sim/install</code>.</p>\n";

    /// <summary>The host route of a project page module; the app's history path follows it.</summary>
    public static string ProjectPageRoute(string projectKey, string moduleKey) =>
        $"/jira/software/projects/{Uri.EscapeDataString(projectKey)}/apps/{Uri.EscapeDataString(moduleKey)}";

    private static IResult ProjectPage(HttpContext c, JiraSite site, ManifestProvider manifest, AppInstallation installation, string projectKey, string moduleKey, string? appPath)
    {
        var user = CurrentUser(c, site);
        var project = site.FindProject(projectKey);
        if (project is null || !user.Can(project.Key, ProjectAccess.Browse))
        {
            return HtmlPage(c, manifest, Render(c, site, manifest, "Project not found",
                "<h1>Project not found</h1>\n<p>It does not exist or you do not have permission to see it.</p>\n"), 404);
        }
        var app = manifest.Get();
        var module = app.FindUiModule(moduleKey);
        if (module is null || module.Type != "jira:projectPage")
        {
            return HtmlPage(c, manifest, Render(c, site, manifest, "App not found", "<h1>App not found</h1>\n"), 404);
        }
        var main = $"<h1>{HostPages.Encode(project.Name)}</h1>\n" +
            (installation.InstallationId is null ? NotInstalled() : HostPages.Frame(module, project.Key, null, AppPath(appPath, c.Request.QueryString), ProjectPageRoute(project.Key, module.Key)));
        return HtmlPage(c, manifest, Render(c, site, manifest, $"{module.Title} - {project.Name}", main));
    }

    /// <summary>Where Jira's administration shows an app's <c>jira:adminPage</c> modules.</summary>
    public const string AdminPageRoutePrefix = "/jira/settings/apps/";

    /// <summary>A <c>jira:adminPage</c> module: Jira shows it to site admins only, so does the simulator.</summary>
    private static IResult AdminPage(HttpContext c, JiraSite site, ManifestProvider manifest, AppInstallation installation, string moduleKey)
    {
        var user = CurrentUser(c, site);
        if (!user.IsSiteAdmin)
        {
            return HtmlPage(c, manifest, Render(c, site, manifest, "Not authorised",
                "<h1>You don't have permission to view this page</h1>\n<p>Only site admins can manage apps.</p>\n"), 403);
        }
        var module = manifest.Get().FindUiModule(moduleKey);
        if (module is null || module.Type != "jira:adminPage")
        {
            return HtmlPage(c, manifest, Render(c, site, manifest, "App not found", "<h1>App not found</h1>\n"), 404);
        }
        var main = "<h1>Apps</h1>\n" + (installation.InstallationId is null ? NotInstalled() : HostPages.Frame(module, null, null));
        return HtmlPage(c, manifest, Render(c, site, manifest, $"{module.Title} - Apps", main));
    }

    /// <summary>The app's initial history location from the host URL: "/" plus the suffix after the module route, and the query.</summary>
    private static string AppPath(string? suffix, QueryString query) => "/" + (suffix ?? "").TrimStart('/') + query.Value;

    private static IResult IssueList(HttpContext c, JiraSite site, ManifestProvider manifest, string projectKey)
    {
        var user = CurrentUser(c, site);
        var project = site.FindProject(projectKey);
        if (project is null || !user.Can(project.Key, ProjectAccess.Browse))
        {
            return HtmlPage(c, manifest, Render(c, site, manifest, "Project not found", "<h1>Project not found</h1>\n"), 404);
        }
        var sb = new StringBuilder($"<h1>{HostPages.Encode(project.Name)} issues</h1>\n<ul class=\"sim-issues\">\n");
        lock (site.Gate)
        {
            foreach (var issue in site.Issues.Where(i => !i.Deleted && i.ProjectKey == project.Key).OrderBy(i => i.Rank, StringComparer.Ordinal))
            {
                sb.Append("<li><a href=\"/browse/").Append(HostPages.Encode(issue.Key)).Append("\">").Append(HostPages.Encode(issue.Key)).Append("</a> ")
                  .Append(HostPages.Encode(issue.Summary)).Append("</li>\n");
            }
        }
        sb.Append("</ul>\n");
        return HtmlPage(c, manifest, Render(c, site, manifest, project.Name, sb.ToString()));
    }

    private static IResult IssuePage(HttpContext c, JiraSite site, ManifestProvider manifest, AppInstallation installation, string issueKey)
    {
        var user = CurrentUser(c, site);
        var sb = new StringBuilder();
        lock (site.Gate)
        {
            var issue = site.FindIssue(issueKey);
            if (issue is null || !user.Can(issue.ProjectKey, ProjectAccess.Browse))
            {
                return HtmlPage(c, manifest, Render(c, site, manifest, "Issue not found",
                    $"<h1>Issue not found</h1>\n<p>{HostPages.Encode(JiraErrors.IssueNotFound)}</p>\n"), 404);
            }
            var project = site.ProjectOf(issue);
            var estimate = issue.Numbers.TryGetValue(project.EstimateFieldId, out var v) && v is { } n ? n.ToString(CultureInfo.InvariantCulture) : "None";
            sb.Append("<h1><span class=\"sim-muted\">").Append(HostPages.Encode(issue.Key)).Append("</span> ").Append(HostPages.Encode(issue.Summary)).Append("</h1>\n");
            sb.Append("<dl class=\"sim-fields\"><dt>Status</dt><dd>").Append(HostPages.Encode(site.StatusOf(issue).Name))
              .Append("</dd><dt>Type</dt><dd>").Append(HostPages.Encode(site.IssueTypeOf(issue).Name))
              .Append("</dd><dt>").Append(HostPages.Encode(site.FindField(project.EstimateFieldId)!.Name)).Append("</dt><dd>").Append(HostPages.Encode(estimate))
              .Append("</dd></dl>\n");
        }
        if (installation.InstallationId is null)
        {
            sb.Append(NotInstalled());
        }
        else
        {
            foreach (var module in manifest.Get().UiModules.Where(m => m.Type == "jira:issuePanel"))
            {
                sb.Append(HostPages.Frame(module, null, issueKey.ToUpperInvariant()));
            }
        }
        return HtmlPage(c, manifest, Render(c, site, manifest, issueKey, sb.ToString()));
    }

    private static async Task<IResult> LoginAsync(HttpContext c, JiraSite site)
    {
        var form = await c.Request.ReadFormAsync(c.RequestAborted);
        var accountId = form["accountId"].ToString();
        if (site.Users.All(u => u.AccountId != accountId))
        {
            return Results.BadRequest(new { message = "Unknown account id." });
        }
        c.Response.Cookies.Append(UserCookie, accountId, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/", IsEssential = true });
        var returnUrl = form["returnUrl"].ToString();
        // Only local paths: the picker must not become an open redirect.
        if (!returnUrl.StartsWith('/') || returnUrl.StartsWith("//", StringComparison.Ordinal) || returnUrl.StartsWith("/\\", StringComparison.Ordinal))
        {
            returnUrl = "/";
        }
        return Results.Redirect(returnUrl, permanent: false, preserveMethod: false);
    }

    private static IResult Asset(string name, string contentType)
    {
        using var stream = typeof(HostEndpoints).Assembly.GetManifestResourceStream("Assets/" + name)
            ?? throw new InvalidOperationException($"Embedded asset {name} is missing.");
        using var reader = new StreamReader(stream);
        return Results.Text(reader.ReadToEnd(), contentType, Encoding.UTF8);
    }

    [GeneratedRegex("<head(\\s[^>]*)?>", RegexOptions.IgnoreCase)]
    private static partial Regex HeadTag();

    [GeneratedRegex("<html(\\s[^>]*)?>", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlTag();

    /// <summary>Puts the shim before every script of the app, so <c>globalThis.__bridge</c> exists when @forge/bridge loads.</summary>
    public static string InjectShim(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var head = HeadTag().Match(html);
        if (head.Success)
        {
            return html.Insert(head.Index + head.Length, "\n" + ShimScriptTag);
        }
        var root = HtmlTag().Match(html);
        return root.Success ? html.Insert(root.Index + root.Length, "\n" + ShimScriptTag) : ShimScriptTag + "\n" + html;
    }

    private static async Task<IResult> ResourceAsync(HttpContext c, ManifestProvider manifest, string resourceKey, string? path)
    {
        var app = manifest.Get();
        if (!app.ResourceDirectories.TryGetValue(resourceKey, out var root))
        {
            return Results.NotFound();
        }
        var relative = string.IsNullOrEmpty(path) ? "index.html" : path;
        var rootFull = Path.GetFullPath(root);
        var full = Path.GetFullPath(Path.Combine(rootFull, relative));
        if (!full.StartsWith(rootFull + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return Results.NotFound();
        }
        var styles = app.ContentStyles.Contains("unsafe-inline") ? " 'unsafe-inline'" : "";
        var connect = string.Join(' ', app.FetchClientRemotes.Where(app.RemoteBaseUrls.ContainsKey).Select(r => Origin(app.RemoteBaseUrls[r])));
        c.Response.Headers.ContentSecurityPolicy =
            $"default-src 'self'; script-src 'self'; style-src 'self'{styles}; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' {connect}; object-src 'none'; base-uri 'self'; frame-ancestors 'self'";
        c.Response.Headers.XContentTypeOptions = "nosniff";
        var isIndex = string.Equals(relative, "index.html", StringComparison.OrdinalIgnoreCase);
        if (!File.Exists(full))
        {
            if (isIndex)
            {
                var placeholder = $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Resource not built</title></head><body><p>The Custom UI resource '{HostPages.Encode(resourceKey)}' has no index.html at {HostPages.Encode(rootFull)}. Build the UI (web/) or set Simulator:ResourceRoots:{HostPages.Encode(resourceKey)}.</p></body></html>";
                return Results.Content(placeholder, "text/html; charset=utf-8", Encoding.UTF8, StatusCodes.Status404NotFound);
            }
            return Results.NotFound();
        }
        if (isIndex)
        {
            var html = await File.ReadAllTextAsync(full, c.RequestAborted);
            return Results.Content(InjectShim(html), "text/html; charset=utf-8", Encoding.UTF8);
        }
        if (!ContentTypes.TryGetContentType(full, out var contentType))
        {
            contentType = "application/octet-stream";
        }
        return Results.File(full, contentType);
    }

    private static IResult Avatar(string name, JiraSite site)
    {
        var id = name.EndsWith(".svg", StringComparison.Ordinal) ? name[..^4] : name;
        var label = site.FindUser(id)?.DisplayName ?? (id.StartsWith("project-", StringComparison.Ordinal) ? id[8..] : "?");
        var initials = string.Concat(label.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2).Select(w => char.ToUpperInvariant(w[0])));
        var hue = Math.Abs(id.Aggregate(17, (h, ch) => unchecked((h * 31) + ch))) % 360;
        var svg = $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"48\" height=\"48\" viewBox=\"0 0 48 48\"><rect width=\"48\" height=\"48\" rx=\"24\" fill=\"hsl({hue},55%,45%)\"/><text x=\"24\" y=\"30\" font-family=\"sans-serif\" font-size=\"18\" fill=\"#fff\" text-anchor=\"middle\">{HostPages.Encode(initials)}</text></svg>";
        return Results.Text(svg, "image/svg+xml", Encoding.UTF8);
    }

    private sealed record LocationDto(string? ModuleKey, string? ProjectKey, string? IssueKey)
    {
        public UiLocation ToLocation() => new(ModuleKey ?? "", ProjectKey, IssueKey);
    }

    private sealed record ContextRequest(LocationDto? Location);

    private static async Task<IResult> ContextAsync(HttpContext c, JiraSite site, ForgeContexts contexts)
    {
        var request = await c.Request.ReadFromJsonAsync<ContextRequest>(JsonOptions, c.RequestAborted);
        var user = CurrentUser(c, site);
        try
        {
            var (module, extension) = contexts.Resolve((request?.Location ?? new LocationDto(null, null, null)).ToLocation(), user);
            return Results.Json(contexts.ViewContext(module, extension, user));
        }
        catch (LocationException e)
        {
            return Results.Json(new { message = e.Message }, statusCode: StatusCodes.Status404NotFound);
        }
    }

    private sealed record InvokeRequest(LocationDto? Location, string? Path, string? Method, Dictionary<string, string>? Headers, JsonElement? Body);

    /// <summary>
    /// <c>invokeRemote</c>: signs a FIT, mints the OAuth tokens the endpoint asks for, calls the
    /// remote from the server (as Forge does) and answers in the shape @forge/bridge unpacks:
    /// <c>{success, payload|error: {status, headers: {name: [values]}, body}}</c>.
    /// </summary>
    private static async Task<IResult> InvokeAsync(
        HttpContext c, JiraSite site, ForgeContexts contexts, ManifestProvider manifest, AppInstallation installation,
        InvocationTokenSigner signer, TokenStore tokens, RemoteClient remote, TimeProvider clock, IOptions<SimulatorOptions> options)
    {
        var request = await c.Request.ReadFromJsonAsync<InvokeRequest>(JsonOptions, c.RequestAborted);
        var user = CurrentUser(c, site);
        var app = manifest.Get();
        if (installation.InstallationId is not { } installationId)
        {
            return Failure(503, "The app is not installed on this site.");
        }
        if (request?.Path is not { } path || !path.StartsWith('/') || path.StartsWith("//", StringComparison.Ordinal))
        {
            return Failure(400, "invokeRemote needs a path that starts with '/'.");
        }
        var method = (request.Method ?? "GET").ToUpperInvariant();
        if (method is not ("GET" or "POST" or "PUT" or "PATCH" or "DELETE"))
        {
            return Failure(400, $"invokeRemote does not support method '{method}'.");
        }
        UiModule module;
        JsonObject extension;
        try
        {
            (module, extension) = contexts.Resolve((request.Location ?? new LocationDto(null, null, null)).ToLocation(), user);
        }
        catch (LocationException e)
        {
            return Failure(404, e.Message);
        }
        if (module.ResolverEndpoint is not { } endpointKey || !app.Endpoints.TryGetValue(endpointKey, out var endpoint))
        {
            return Failure(400, $"Module '{module.Key}' has no resolver endpoint in the manifest.");
        }
        var baseUrl = app.RemoteBaseUrls[endpoint.Remote];

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in request.Headers ?? [])
        {
            if (!ReservedHeaders.Contains(name) && !name.StartsWith("x-forge-", StringComparison.OrdinalIgnoreCase))
            {
                headers[name] = value;
            }
        }
        var claims = contexts.UiInvocationClaims(module, extension, user, installationId);
        headers["Authorization"] = "Bearer " + signer.Sign(app.Audience, claims, clock.GetUtcNow(), options.Value.InvocationTokenLifetime);
        if (endpoint.AppUserToken)
        {
            headers["x-forge-oauth-user"] = tokens.Issue(TokenKind.AppUser, user.AccountId, installationId).Value;
        }
        if (endpoint.AppSystemToken)
        {
            headers["x-forge-oauth-system"] = tokens.Issue(TokenKind.AppSystem, SeedData.AppUserId, installationId).Value;
        }
        var body = request.Body is { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } b && method != "GET" ? b.GetRawText() : null;
        var response = await remote.SendAsync(new RemoteRequest(new HttpMethod(method), new Uri(baseUrl + path), headers, body), UiInvocationTimeout, c.RequestAborted);
        if (response.Error is not null)
        {
            return Failure(502, response.Error);
        }
        JsonNode? parsedBody;
        try
        {
            parsedBody = response.Body.Length == 0 ? null : JsonNode.Parse(response.Body);
        }
        catch (JsonException)
        {
            parsedBody = JsonValue.Create(response.Body);
        }
        var payload = new JsonObject
        {
            ["status"] = response.Status,
            ["headers"] = new JsonObject(response.Headers.Select(h => new KeyValuePair<string, JsonNode?>(h.Key, new JsonArray(h.Value.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray())))),
            ["body"] = parsedBody,
        };
        var ok = response.Status is >= 200 and < 300;
        return Results.Json(new JsonObject { ["success"] = ok, [ok ? "payload" : "error"] = payload });
    }

    private static IResult Failure(int status, string message) => Results.Json(new JsonObject
    {
        ["success"] = false,
        ["error"] = new JsonObject
        {
            ["status"] = status,
            ["headers"] = new JsonObject(),
            ["body"] = new JsonObject { ["message"] = message },
        },
    });

    private sealed record RemoteTokenRequest(LocationDto? Location, string? RemoteKey);

    /// <summary>
    /// <c>requestRemote</c>: the browser calls the remote itself (exercising its CORS), so the host
    /// only needs a fresh FIT and the remote's base URL. No OAuth tokens travel this way. With
    /// <c>Simulator:Remote:RelayDirectCalls</c> the answer also says <c>relay: true</c>, and the host
    /// page sends the call through <c>/__sim/bridge/relay</c> instead.
    /// </summary>
    private static async Task<IResult> RemoteTokenAsync(
        HttpContext c, JiraSite site, ForgeContexts contexts, ManifestProvider manifest, AppInstallation installation,
        InvocationTokenSigner signer, TimeProvider clock, IOptions<SimulatorOptions> options)
    {
        var request = await c.Request.ReadFromJsonAsync<RemoteTokenRequest>(JsonOptions, c.RequestAborted);
        var grant = GrantRemoteCall(c, site, contexts, manifest, installation, signer, clock, options, request?.Location, request?.RemoteKey, out var refusal);
        return grant is { } g ? Results.Json(new { token = g.Token, baseUrl = g.BaseUrl, relay = options.Value.Remote.RelayDirectCalls }) : refusal!;
    }

    private sealed record RemoteGrant(string Token, string BaseUrl);

    /// <summary>A fresh FIT for a direct remote call, or why there is none (<paramref name="refusal"/>).</summary>
    private static RemoteGrant? GrantRemoteCall(
        HttpContext c, JiraSite site, ForgeContexts contexts, ManifestProvider manifest, AppInstallation installation,
        InvocationTokenSigner signer, TimeProvider clock, IOptions<SimulatorOptions> options, LocationDto? location, string? remoteKey, out IResult? refusal)
    {
        var user = CurrentUser(c, site);
        var app = manifest.Get();
        refusal = null;
        if (installation.InstallationId is not { } installationId)
        {
            refusal = Results.Json(new { message = "The app is not installed on this site." }, statusCode: StatusCodes.Status409Conflict);
            return null;
        }
        if (remoteKey is null || !app.FetchClientRemotes.Contains(remoteKey) || !app.RemoteBaseUrls.TryGetValue(remoteKey, out var baseUrl))
        {
            refusal = Results.Json(new { message = $"Remote '{remoteKey}' is not listed in permissions.external.fetch.client." }, statusCode: StatusCodes.Status403Forbidden);
            return null;
        }
        try
        {
            var (module, extension) = contexts.Resolve((location ?? new LocationDto(null, null, null)).ToLocation(), user);
            var token = signer.Sign(app.Audience, contexts.UiInvocationClaims(module, extension, user, installationId), clock.GetUtcNow(), options.Value.InvocationTokenLifetime);
            return new RemoteGrant(token, baseUrl);
        }
        catch (LocationException e)
        {
            refusal = Results.Json(new { message = e.Message }, statusCode: StatusCodes.Status404NotFound);
            return null;
        }
    }

    private sealed record RelayRequest(LocationDto? Location, string? RemoteKey, string? Path, string? Method, List<List<string>>? Headers, string? Body);

    /// <summary>Headers a page's script cannot set on fetch (the browser owns them), plus the tokens the relay adds itself.</summary>
    private static readonly HashSet<string> RelayDroppedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "host", "content-length", "cookie", "cookie2", "origin", "referer", "connection", "keep-alive", "transfer-encoding",
        "te", "trailer", "upgrade", "via", "expect", "date", "dnt", "access-control-request-method", "access-control-request-headers",
    };

    /// <summary>Response headers a cross-origin script may read without Access-Control-Expose-Headers.</summary>
    private static readonly HashSet<string> SafelistedResponseHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma",
    };

    /// <summary>
    /// <c>requestRemote</c> through the simulator (<c>Simulator:Remote:RelayDirectCalls</c>): for a
    /// browser that does not trust the remote's self-signed certificate. Sends exactly what the
    /// browser would — a fresh FIT as the only credential (no OAuth tokens), the app's method,
    /// path, headers, body and Content-Type, and the <c>Origin</c> of the page — through the
    /// simulator's remote client (its certificate rules), and plays the browser's CORS part: a
    /// preflight first, then the response only if the remote allows this origin, with only the
    /// headers a cross-origin script could read. Answers <c>{status, statusText, headers, body}</c>
    /// as the direct path hands it to the bridge; a call the browser would fail fails here (502).
    /// </summary>
    private static async Task<IResult> RelayAsync(
        HttpContext c, JiraSite site, ForgeContexts contexts, ManifestProvider manifest, AppInstallation installation,
        InvocationTokenSigner signer, RemoteClient remote, TimeProvider clock, IOptions<SimulatorOptions> options)
    {
        if (!options.Value.Remote.RelayDirectCalls)
        {
            return Results.Json(new { message = "The relay is off (Simulator:Remote:RelayDirectCalls); the browser calls the remote itself." }, statusCode: StatusCodes.Status404NotFound);
        }
        var request = await c.Request.ReadFromJsonAsync<RelayRequest>(JsonOptions, c.RequestAborted);
        var path = string.IsNullOrEmpty(request?.Path) ? "/" : request.Path;
        if (!path.StartsWith('/') || path.StartsWith("//", StringComparison.Ordinal))
        {
            return Results.Json(new { message = "requestRemote needs a path that starts with a single '/'." }, statusCode: StatusCodes.Status400BadRequest);
        }
        var method = (request?.Method ?? "GET").ToUpperInvariant();
        if (method is not ("GET" or "HEAD" or "POST" or "PUT" or "PATCH" or "DELETE" or "OPTIONS"))
        {
            return Results.Json(new { message = $"requestRemote does not support method '{method}'." }, statusCode: StatusCodes.Status400BadRequest);
        }
        var grant = GrantRemoteCall(c, site, contexts, manifest, installation, signer, clock, options, request?.Location, request?.RemoteKey, out var refusal);
        if (grant is null)
        {
            return refusal!;
        }

        // The iframe is served from the simulator's own origin, so that is the Origin the browser would send.
        var origin = $"{c.Request.Scheme}://{c.Request.Host}";
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? contentType = null;
        foreach (var pair in request?.Headers ?? [])
        {
            if (pair is not [var name, var value] || RelayDroppedHeaders.Contains(name) || name.StartsWith("x-forge-", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("sec-", StringComparison.OrdinalIgnoreCase) || name.StartsWith("proxy-", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (string.Equals(name, "content-type", StringComparison.OrdinalIgnoreCase))
            {
                contentType = value;
                continue;
            }
            headers[name] = headers.TryGetValue(name, out var existing) ? existing + ", " + value : value;
        }
        var body = method is "GET" or "HEAD" ? null : request?.Body;
        var url = new Uri(grant.BaseUrl + path);

        // CORS preflight, as the browser sends it: the Authorization header alone makes the call non-simple.
        // Accept, Accept-Language and Content-Language are CORS-safelisted and not asked about.
        var requested = headers.Keys.Select(h => h.ToLowerInvariant()).Where(h => h is not ("accept" or "accept-language" or "content-language")).Append("authorization");
        if (body is not null && contentType is not null && !IsSafelistedContentType(contentType))
        {
            requested = requested.Append("content-type");
        }
        var requestedHeaders = requested.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var preflight = await remote.SendAsync(new RemoteRequest(HttpMethod.Options, url, new Dictionary<string, string>
        {
            ["Origin"] = origin,
            ["Access-Control-Request-Method"] = method,
            ["Access-Control-Request-Headers"] = string.Join(',', requestedHeaders),
        }, null), UiInvocationTimeout, c.RequestAborted);
        if (preflight.Error is not null)
        {
            return RelayFailure(preflight.Error);
        }
        if (preflight.Status is < 200 or > 299 || !AllowsOrigin(preflight, origin))
        {
            return RelayFailure($"CORS: the remote's preflight ({preflight.Status}) does not allow origin {origin}; a browser would refuse this call.");
        }
        var allowedMethods = HeaderList(preflight, "access-control-allow-methods");
        if (method is not ("GET" or "HEAD" or "POST") && !allowedMethods.Contains(method, StringComparer.Ordinal) && !allowedMethods.Contains("*"))
        {
            return RelayFailure($"CORS: the remote's preflight does not allow method {method}; a browser would refuse this call.");
        }
        var allowedHeaders = HeaderList(preflight, "access-control-allow-headers").Select(h => h.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        // "*" covers every header except Authorization, which must be named.
        var missing = requestedHeaders.FirstOrDefault(h => !allowedHeaders.Contains(h) && !(h != "authorization" && allowedHeaders.Contains("*")));
        if (missing is not null)
        {
            return RelayFailure($"CORS: the remote's preflight does not allow the request header '{missing}'; a browser would refuse this call.");
        }

        headers["Origin"] = origin;
        headers["Authorization"] = "Bearer " + grant.Token;
        var response = await remote.SendAsync(new RemoteRequest(new HttpMethod(method), url, headers, body, contentType ?? (body is null ? null : "text/plain;charset=UTF-8")), UiInvocationTimeout, c.RequestAborted);
        if (response.Error is not null)
        {
            return RelayFailure(response.Error);
        }
        if (!AllowsOrigin(response, origin))
        {
            return RelayFailure($"CORS: the remote's response ({response.Status}) does not allow origin {origin}; a browser would refuse this call.");
        }
        var exposed = HeaderList(response, "access-control-expose-headers").Select(h => h.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        var visible = new JsonObject();
        foreach (var (name, values) in response.Headers)
        {
            if (SafelistedResponseHeaders.Contains(name) || exposed.Contains(name) || (exposed.Contains("*") && name is not ("set-cookie" or "set-cookie2")))
            {
                visible[name] = string.Join(", ", values);
            }
        }
        return Results.Json(new JsonObject
        {
            ["status"] = response.Status,
            ["statusText"] = ReasonPhrases.GetReasonPhrase(response.Status),
            ["headers"] = visible,
            ["body"] = method == "HEAD" ? "" : response.Body,
        });
    }

    private static IResult RelayFailure(string message) =>
        Results.Json(new { message = "requestRemote (relayed): " + message }, statusCode: StatusCodes.Status502BadGateway);

    private static bool IsSafelistedContentType(string contentType)
    {
        var media = contentType.Split(';', 2)[0].Trim();
        return media.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)
            || media.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || media.Equals("text/plain", StringComparison.OrdinalIgnoreCase);
    }

    private static bool AllowsOrigin(RemoteResponse response, string origin) =>
        response.Headers.TryGetValue("access-control-allow-origin", out var values)
        && values.Length == 1
        && (values[0].Trim() == "*" || string.Equals(values[0].Trim(), origin, StringComparison.Ordinal));

    private static List<string> HeaderList(RemoteResponse response, string name) =>
        response.Headers.TryGetValue(name, out var values)
            ? values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList()
            : [];

    private sealed record UrlRequest(string? Target, string? ModuleKey, string? ProjectKey, string? Path);

    /// <summary>
    /// <c>router.getUrl(location)</c>: an absolute URL of the simulator's page for a
    /// <c>target: 'module'</c> location. For a project page the app's <c>path</c> follows the
    /// module route, which the page hands to the app as its initial history location.
    /// </summary>
    private static async Task<IResult> UrlAsync(HttpContext c, JiraSite site, ManifestProvider manifest, SiteUrls urls)
    {
        var request = await c.Request.ReadFromJsonAsync<UrlRequest>(JsonOptions, c.RequestAborted);
        if (request?.Target != "module")
        {
            return Results.Json(new { message = $"The simulator builds URLs for target 'module' only, not '{request?.Target}'." }, statusCode: StatusCodes.Status400BadRequest);
        }
        var module = request.ModuleKey is { } key ? manifest.Get().FindUiModule(key) : null;
        if (module?.Type != "jira:projectPage")
        {
            return Results.Json(new { message = $"'{request.ModuleKey}' is not a jira:projectPage module of the app." }, statusCode: StatusCodes.Status404NotFound);
        }
        if (request.ProjectKey is not { } projectKey || site.FindProject(projectKey) is not { } project)
        {
            return Results.Json(new { message = $"No project could be found with key '{request.ProjectKey}'." }, statusCode: StatusCodes.Status404NotFound);
        }
        var path = string.IsNullOrEmpty(request.Path) ? "/" : request.Path;
        if (!path.StartsWith('/') || path.StartsWith("//", StringComparison.Ordinal) || path.Contains('\\', StringComparison.Ordinal) || path.Any(char.IsControl))
        {
            return Results.Json(new { message = "The path must start with a single '/'." }, statusCode: StatusCodes.Status400BadRequest);
        }
        var url = urls.BaseUrl + ProjectPageRoute(project.Key, module.Key) + (path == "/" ? "" : path);
        return Uri.TryCreate(url, UriKind.Absolute, out var parsed)
            ? Results.Json(new { url = parsed.AbsoluteUri })
            : Results.Json(new { message = "The path does not make a valid URL." }, statusCode: StatusCodes.Status400BadRequest);
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}
