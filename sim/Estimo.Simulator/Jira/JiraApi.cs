using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Estimo.Simulator.Auth;
using Estimo.Simulator.Infrastructure;
using Microsoft.Extensions.Options;

namespace Estimo.Simulator.Jira;

/// <summary>
/// The simulated Jira Cloud REST API (v3 and Agile 1.0), mapped twice: at the site root, as the
/// browser sees it, and under <c>/ex/jira/{cloudId}</c>, as apps see it through api.atlassian.com.
/// </summary>
public static class JiraApi
{
    public const int MaxPropertyBytes = 32 * 1024;
    private const int MaxSearchResults = 100;

    private sealed record PermissionInfo(string Key, string Id, string Name, string Type, string Description, ProjectAccess? Needs);

    private static readonly Dictionary<string, PermissionInfo> PermissionCatalogue = new PermissionInfo[]
    {
        new("BROWSE_PROJECTS", "10", "Browse Projects", "PROJECT", "Ability to browse projects and the issues within them.", ProjectAccess.Browse),
        new("CREATE_ISSUES", "11", "Create Issues", "PROJECT", "Ability to create issues.", ProjectAccess.Edit),
        new("EDIT_ISSUES", "12", "Edit Issues", "PROJECT", "Ability to edit issues.", ProjectAccess.Edit),
        new("ASSIGN_ISSUES", "13", "Assign Issues", "PROJECT", "Ability to assign issues to other people.", ProjectAccess.Edit),
        new("DELETE_ISSUES", "16", "Delete Issues", "PROJECT", "Ability to delete issues.", ProjectAccess.Administer),
        new("SCHEDULE_ISSUES", "28", "Schedule Issues", "PROJECT", "Ability to view or edit an issue's due date and rank.", ProjectAccess.Edit),
        new("ADMINISTER_PROJECTS", "23", "Administer Projects", "PROJECT", "Ability to administer a project in Jira.", ProjectAccess.Administer),
        new("ADMINISTER", "0", "Administer Jira", "GLOBAL", "Ability to perform most administration functions.", null),
        new("USER_PICKER", "27", "Browse users and groups", "GLOBAL", "Ability to select a user or group from a popup window.", null),
    }.ToDictionary(p => p.Key, StringComparer.Ordinal);

    public static void MapJiraApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        MapRoutes(app.MapGroup("").AddEndpointFilter<JiraApiFilter>());
        MapRoutes(app.MapGroup("/ex/jira/{cloudId}").AddEndpointFilter<JiraApiFilter>());
    }

    private static void MapRoutes(RouteGroupBuilder g)
    {
        g.MapGet("/rest/api/3/myself", (HttpContext c, JiraSite s, SiteUrls u) => Results.Json(Json(s, u).Myself(JiraCaller.From(c).User)));
        g.MapGet("/rest/api/3/user", GetUser);
        g.MapGet("/rest/api/3/user/bulk", GetUsers);
        g.MapGet("/rest/api/3/user/search", SearchUsers);
        g.MapGet("/rest/api/3/mypermissions", MyPermissions);
        g.MapPost("/rest/api/3/permissions/check", CheckPermissions);
        g.MapGet("/rest/api/3/field", (JiraSite s, SiteUrls u) => Results.Json(new JsonArray(s.Fields.Select(f => (JsonNode?)Json(s, u).Field(f)).ToArray())));
        g.MapGet("/rest/api/3/project/{projectIdOrKey}", GetProject);
        g.MapGet("/rest/agile/1.0/board", ListBoards);
        g.MapGet("/rest/agile/1.0/board/{boardId:int}", (HttpContext c, JiraSite s, SiteUrls u, int boardId) =>
            VisibleBoard(c, s, boardId) is { } b ? Results.Json(Json(s, u).Board(b)) : BoardNotFound());
        g.MapGet("/rest/agile/1.0/board/{boardId:int}/configuration", (HttpContext c, JiraSite s, SiteUrls u, int boardId) =>
            VisibleBoard(c, s, boardId) is { } b ? Results.Json(Json(s, u).BoardConfiguration(b)) : BoardNotFound());
        g.MapGet("/rest/agile/1.0/board/{boardId:int}/sprint", ListSprints);
        g.MapGet("/rest/agile/1.0/board/{boardId:int}/backlog", Backlog);
        g.MapGet("/rest/agile/1.0/sprint/{sprintId:int}", GetSprint);
        g.MapGet("/rest/agile/1.0/sprint/{sprintId:int}/issue", SprintIssues);
        g.MapPost("/rest/api/3/search/jql", SearchPost);
        g.MapGet("/rest/api/3/search/jql", SearchGet);
        g.MapGet("/rest/api/3/issue/{issueIdOrKey}", GetIssue);
        g.MapPut("/rest/api/3/issue/{issueIdOrKey}", EditIssue);
        g.MapDelete("/rest/api/3/issue/{issueIdOrKey}", DeleteIssue);
        g.MapGet("/rest/api/3/issue/{issueIdOrKey}/properties", ListProperties);
        g.MapGet("/rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}", GetProperty);
        g.MapPut("/rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}", SetProperty);
        g.MapDelete("/rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}", DeleteProperty);
    }

    private static JiraJson Json(JiraSite site, SiteUrls urls) => new(site, urls.BaseUrl);

    private static IResult BoardNotFound() => JiraErrors.NotFound("Board does not exist or you do not have permission to see it.");

    private static SimBoard? VisibleBoard(HttpContext c, JiraSite site, int boardId) =>
        site.FindBoard(boardId) is { } b && JiraCaller.From(c).User.Can(b.ProjectKey, ProjectAccess.Browse) ? b : null;

    private static (int StartAt, int MaxResults) Paging(HttpContext c, int defaultMax = 50, int cap = 100)
    {
        var startAt = int.TryParse(c.Request.Query["startAt"], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0;
        var max = int.TryParse(c.Request.Query["maxResults"], NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : defaultMax;
        return (startAt, Math.Clamp(max, 0, cap));
    }

    private static IResult GetUser(HttpContext c, JiraSite site, SiteUrls urls)
    {
        var accountId = c.Request.Query["accountId"].ToString();
        if (accountId.Length == 0)
        {
            return JiraErrors.BadRequest("The query parameter 'accountId' is required.");
        }
        return site.FindUser(accountId) is { } user
            ? Results.Json(Json(site, urls).User(user, JiraCaller.From(c).User))
            : JiraErrors.NotFound("Specified user does not exist or you do not have required permissions");
    }

    private static IResult GetUsers(HttpContext c, JiraSite site, SiteUrls urls)
    {
        var json = Json(site, urls);
        var viewer = JiraCaller.From(c).User;
        var users = c.Request.Query["accountId"].Where(a => a is not null).Select(a => site.FindUser(a!)).OfType<SimUser>().ToList();
        var (startAt, max) = Paging(c, 10, 200);
        var page = users.Skip(startAt).Take(max).ToList();
        return Results.Json(new JsonObject
        {
            ["self"] = $"{json.BaseUrl}/rest/api/3/user/bulk",
            ["maxResults"] = max,
            ["startAt"] = startAt,
            ["total"] = users.Count,
            ["isLast"] = startAt + page.Count >= users.Count,
            ["values"] = new JsonArray(page.Select(u => (JsonNode?)json.User(u, viewer)).ToArray()),
        });
    }

    /// <summary>
    /// Jira's user search: a plain array of users whose display name (or visible e-mail) contains
    /// <c>query</c>, or the one <c>accountId</c>. One of the two is required, as in Jira.
    /// </summary>
    private static IResult SearchUsers(HttpContext c, JiraSite site, SiteUrls urls)
    {
        string? query = c.Request.Query["query"];
        string? accountId = c.Request.Query["accountId"];
        if (string.IsNullOrWhiteSpace(query) && string.IsNullOrWhiteSpace(accountId))
        {
            return JiraErrors.BadRequest("One of 'query' or 'accountId' query parameters must be provided.");
        }

        var json = Json(site, urls);
        var viewer = JiraCaller.From(c).User;
        var matches = site.Users.Where(u =>
            (string.IsNullOrWhiteSpace(accountId) || u.AccountId == accountId)
            && (string.IsNullOrWhiteSpace(query)
                || u.DisplayName.Contains(query.Trim(), StringComparison.OrdinalIgnoreCase)
                || ((u.EmailVisibleToOthers || u.AccountId == viewer.AccountId) && u.EmailAddress.Contains(query.Trim(), StringComparison.OrdinalIgnoreCase))));
        var (startAt, max) = Paging(c, 50, 1000);
        return Results.Json(new JsonArray(matches.Skip(startAt).Take(max).Select(u => (JsonNode?)json.User(u, viewer)).ToArray()));
    }

    private static IResult GetProject(HttpContext c, JiraSite site, SiteUrls urls, string projectIdOrKey)
    {
        if (site.FindProject(projectIdOrKey) is not { } project || !JiraCaller.From(c).User.Can(project.Key, ProjectAccess.Browse))
        {
            return JiraErrors.NotFound($"No project could be found with key '{projectIdOrKey}'.");
        }
        var json = Json(site, urls).ProjectRef(project);
        json["style"] = project.TeamManaged ? "next-gen" : "classic";
        json["isPrivate"] = false;
        return Results.Json(json);
    }

    private static IResult MyPermissions(HttpContext c, JiraSite site)
    {
        var user = JiraCaller.From(c).User;
        var requested = c.Request.Query["permissions"].ToString();
        if (requested.Length == 0)
        {
            return JiraErrors.BadRequest("The 'permissions' query parameter is required.");
        }
        var keys = requested.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = keys.FirstOrDefault(k => !PermissionCatalogue.ContainsKey(k));
        if (unknown is not null)
        {
            return JiraErrors.BadRequest($"The permission key '{unknown}' is not valid.");
        }

        // The context is a project (by key or id) or an issue (by key or id), or none at all.
        string? projectKey = null;
        var q = c.Request.Query;
        var projectRef = FirstNonEmpty(q["projectKey"], q["projectId"]);
        var issueRef = FirstNonEmpty(q["issueKey"], q["issueId"]);
        if (projectRef is not null)
        {
            if (site.FindProject(projectRef) is not { } project || !user.Can(project.Key, ProjectAccess.Browse))
            {
                return JiraErrors.NotFound($"No project could be found with key '{projectRef}'.");
            }
            projectKey = project.Key;
        }
        else if (issueRef is not null)
        {
            lock (site.Gate)
            {
                if (site.FindIssue(issueRef) is not { } issue || !user.Can(issue.ProjectKey, ProjectAccess.Browse))
                {
                    return JiraErrors.NotFound(JiraErrors.IssueNotFound);
                }
                projectKey = issue.ProjectKey;
            }
        }

        var result = new JsonObject();
        foreach (var key in keys)
        {
            var info = PermissionCatalogue[key];
            bool has = info.Needs switch
            {
                null => key == "USER_PICKER" || user.IsSiteAdmin,
                { } needed when projectKey is not null => user.Can(projectKey, needed),
                // Without a project or issue, Jira reports whether the user has it in at least one project.
                { } needed => site.Projects.Any(p => user.Can(p.Key, needed)),
            };
            result[key] = new JsonObject
            {
                ["id"] = info.Id,
                ["key"] = info.Key,
                ["name"] = info.Name,
                ["type"] = info.Type,
                ["description"] = info.Description,
                ["havePermission"] = has,
            };
        }
        return Results.Json(new JsonObject { ["permissions"] = result });
    }

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrEmpty(v));

    private static async Task<IResult> CheckPermissions(HttpContext c, JiraSite site, IOptions<SimulatorOptions> options)
    {
        var (body, error) = await ReadJsonAsync(c, options.Value.MaxRequestBodyBytes);
        if (error is not null)
        {
            return error;
        }
        var caller = JiraCaller.From(c);
        var user = caller.User;
        if (body?["accountId"]?.GetValue<string>() is { Length: > 0 } accountId && accountId != user.AccountId)
        {
            if (!user.IsSiteAdmin && caller.Token.Kind != TokenKind.AppSystem)
            {
                return JiraErrors.Forbidden("You don't have permission to check permissions of other users.");
            }
            if (site.FindUser(accountId) is not { } other)
            {
                return JiraErrors.BadRequest($"The user with account ID '{accountId}' does not exist.");
            }
            user = other;
        }

        var globals = new JsonArray();
        foreach (var key in (body?["globalPermissions"] as JsonArray ?? []).Select(n => n?.GetValue<string>() ?? ""))
        {
            if (!PermissionCatalogue.TryGetValue(key, out var info) || info.Type != "GLOBAL")
            {
                return JiraErrors.BadRequest($"Unrecognized global permission key: '{key}'.");
            }
            if (key == "USER_PICKER" || user.IsSiteAdmin)
            {
                globals.Add(key);
            }
        }

        var projectResults = new JsonArray();
        lock (site.Gate)
        {
            foreach (var item in body?["projectPermissions"] as JsonArray ?? [])
            {
                var projects = (item?["projects"] as JsonArray ?? []).Select(n => n!.ToString()).ToList();
                var issues = (item?["issues"] as JsonArray ?? []).Select(n => n!.ToString()).ToList();
                foreach (var key in (item?["permissions"] as JsonArray ?? []).Select(n => n?.GetValue<string>() ?? ""))
                {
                    if (!PermissionCatalogue.TryGetValue(key, out var info) || info.Needs is not { } needed)
                    {
                        return JiraErrors.BadRequest($"Unrecognized project permission key: '{key}'.");
                    }
                    var grantedProjects = projects.Where(p => site.FindProject(p) is { } project && user.Can(project.Key, needed))
                        .Select(p => (JsonNode?)JsonValue.Create(long.Parse(site.FindProject(p)!.Id, CultureInfo.InvariantCulture))).ToArray();
                    var grantedIssues = issues.Where(i => site.FindIssue(i) is { } issue && user.Can(issue.ProjectKey, needed))
                        .Select(i => (JsonNode?)JsonValue.Create(long.Parse(site.FindIssue(i)!.Id, CultureInfo.InvariantCulture))).ToArray();
                    projectResults.Add(new JsonObject
                    {
                        ["issues"] = new JsonArray(grantedIssues),
                        ["permission"] = key,
                        ["projects"] = new JsonArray(grantedProjects),
                    });
                }
            }
        }
        return Results.Json(new JsonObject { ["globalPermissions"] = globals, ["projectPermissions"] = projectResults });
    }

    private static IResult ListBoards(HttpContext c, JiraSite site, SiteUrls urls)
    {
        var user = JiraCaller.From(c).User;
        var q = c.Request.Query;
        var boards = site.Boards.Where(b => user.Can(b.ProjectKey, ProjectAccess.Browse));
        if (q["projectKeyOrId"].ToString() is { Length: > 0 } projectKeyOrId)
        {
            var project = site.FindProject(projectKeyOrId);
            boards = boards.Where(b => project is not null && b.ProjectKey == project.Key);
        }
        if (q["type"].ToString() is { Length: > 0 } type)
        {
            boards = boards.Where(b => type.Split(',').Contains(b.Type, StringComparer.OrdinalIgnoreCase));
        }
        if (q["name"].ToString() is { Length: > 0 } name)
        {
            boards = boards.Where(b => b.Name.Contains(name, StringComparison.OrdinalIgnoreCase));
        }
        var all = boards.ToList();
        var (startAt, max) = Paging(c);
        var page = all.Skip(startAt).Take(max).ToList();
        var json = Json(site, urls);
        return Results.Json(new JsonObject
        {
            ["maxResults"] = max,
            ["startAt"] = startAt,
            ["total"] = all.Count,
            ["isLast"] = startAt + page.Count >= all.Count,
            ["values"] = new JsonArray(page.Select(b => (JsonNode?)json.Board(b)).ToArray()),
        });
    }

    private static IResult ListSprints(HttpContext c, JiraSite site, SiteUrls urls, int boardId)
    {
        if (VisibleBoard(c, site, boardId) is not { } board)
        {
            return BoardNotFound();
        }
        var states = c.Request.Query["state"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var invalid = states.FirstOrDefault(s => s is not ("active" or "future" or "closed"));
        if (invalid is not null)
        {
            return JiraErrors.BadRequest($"The sprint state '{invalid}' is not valid. Valid states are: future, active, closed.");
        }
        var sprints = site.Sprints.Where(s => s.BoardId == board.Id && (states.Length == 0 || states.Contains(s.State))).OrderBy(s => s.Id).ToList();
        var (startAt, max) = Paging(c);
        var page = sprints.Skip(startAt).Take(max).ToList();
        var json = Json(site, urls);
        return Results.Json(new JsonObject
        {
            ["maxResults"] = max,
            ["startAt"] = startAt,
            ["isLast"] = startAt + page.Count >= sprints.Count,
            ["values"] = new JsonArray(page.Select(s => (JsonNode?)json.Sprint(s)).ToArray()),
        });
    }

    private static IResult GetSprint(HttpContext c, JiraSite site, SiteUrls urls, int sprintId) =>
        VisibleSprint(c, site, sprintId) is { } sprint ? Results.Json(Json(site, urls).Sprint(sprint)) : SprintNotFound();

    private static SimSprint? VisibleSprint(HttpContext c, JiraSite site, int sprintId) =>
        site.FindSprint(sprintId) is { } sprint && VisibleBoard(c, site, sprint.BoardId) is not null ? sprint : null;

    private static IResult SprintNotFound() =>
        JiraErrors.NotFound("The requested sprint cannot be viewed because it either does not exist or you do not have permission to view it.");

    private static IResult Backlog(HttpContext c, JiraSite site, SiteUrls urls, int boardId)
    {
        if (VisibleBoard(c, site, boardId) is not { } board)
        {
            return BoardNotFound();
        }
        var openSprints = site.Sprints.Where(s => s.State is "active" or "future").Select(s => s.Id).ToHashSet();
        return AgileIssueList(c, site, urls, i => i.ProjectKey == board.ProjectKey && i.StatusId != "10001" && !(i.SprintId is { } id && openSprints.Contains(id)));
    }

    private static IResult SprintIssues(HttpContext c, JiraSite site, SiteUrls urls, int sprintId)
    {
        if (VisibleSprint(c, site, sprintId) is not { } sprint)
        {
            return SprintNotFound();
        }
        return AgileIssueList(c, site, urls, i => i.SprintId == sprint.Id);
    }

    /// <summary>The offset-paged issue lists of the Agile API (backlog, sprint issues), with optional extra JQL.</summary>
    private static IResult AgileIssueList(HttpContext c, JiraSite site, SiteUrls urls, Func<SimIssue, bool> scope)
    {
        var user = JiraCaller.From(c).User;
        JqlQuery query;
        try
        {
            query = JqlParser.Parse(c.Request.Query["jql"].ToString());
        }
        catch (JqlException e)
        {
            return JiraErrors.BadRequest(e.Message);
        }
        var selection = FieldSelection.Parse(c.Request.Query["fields"].Select(f => f ?? ""), allByDefault: true);
        var (startAt, max) = Paging(c);
        var json = Json(site, urls);
        lock (site.Gate)
        {
            List<SimIssue> matches;
            try
            {
                matches = JqlEvaluator.Run(site, user, query).Where(scope).ToList();
            }
            catch (JqlException e)
            {
                return JiraErrors.BadRequest(e.Message);
            }
            var page = matches.Skip(startAt).Take(max);
            return Results.Json(new JsonObject
            {
                ["expand"] = "schema,names",
                ["startAt"] = startAt,
                ["maxResults"] = max,
                ["total"] = matches.Count,
                ["issues"] = new JsonArray(page.Select(i => (JsonNode?)json.Issue(i, selection, user)).ToArray()),
            });
        }
    }

    private static async Task<IResult> SearchPost(HttpContext c, JiraSite site, SiteUrls urls, IOptions<SimulatorOptions> options)
    {
        var (body, error) = await ReadJsonAsync(c, options.Value.MaxRequestBodyBytes);
        if (error is not null)
        {
            return error;
        }
        if (body is not JsonObject request)
        {
            return JiraErrors.BadRequest("The request body must be a JSON object.");
        }
        string? jql, token;
        int? max;
        List<string>? fields;
        try
        {
            jql = request["jql"]?.GetValue<string>();
            token = request["nextPageToken"]?.GetValue<string>();
            max = request["maxResults"]?.GetValue<int>();
            fields = (request["fields"] as JsonArray)?.Select(n => n!.GetValue<string>()).ToList();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            return JiraErrors.BadRequest("Invalid request payload. Refer to the REST API documentation and try again.");
        }
        return Search(c, site, urls, jql, token, max, fields);
    }

    private static IResult SearchGet(HttpContext c, JiraSite site, SiteUrls urls)
    {
        var q = c.Request.Query;
        int? max = int.TryParse(q["maxResults"], NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : null;
        var fields = q["fields"].Count > 0 ? q["fields"].Select(f => f ?? "").ToList() : null;
        var token = q["nextPageToken"].ToString();
        return Search(c, site, urls, q["jql"].ToString(), token.Length == 0 ? null : token, max, fields);
    }

    /// <summary>
    /// Enhanced JQL search: token pagination (<c>nextPageToken</c> absent on the last page, <c>isLast</c>),
    /// only <c>id</c> unless <c>fields</c> asks for more, unbounded queries refused.
    /// </summary>
    private static IResult Search(HttpContext c, JiraSite site, SiteUrls urls, string? jql, string? nextPageToken, int? maxResults, List<string>? fields)
    {
        var user = JiraCaller.From(c).User;
        JqlQuery query;
        try
        {
            query = JqlParser.Parse(jql);
        }
        catch (JqlException e)
        {
            return JiraErrors.BadRequest(e.Message);
        }
        if (query.IsUnbounded)
        {
            return JiraErrors.BadRequest("Unbounded JQL queries are not allowed here. Please add a search restriction to your query.");
        }
        var offset = 0;
        if (nextPageToken is not null && !TryReadPageToken(nextPageToken, jql!, out offset))
        {
            return JiraErrors.BadRequest("The provided next page token is invalid or expired.");
        }
        var max = Math.Clamp(maxResults ?? 50, 1, MaxSearchResults);
        var selection = FieldSelection.Parse(fields, allByDefault: false);
        var json = Json(site, urls);
        lock (site.Gate)
        {
            List<SimIssue> matches;
            try
            {
                matches = JqlEvaluator.Run(site, user, query);
            }
            catch (JqlException e)
            {
                return JiraErrors.BadRequest(e.Message);
            }
            var page = matches.Skip(offset).Take(max).ToList();
            var isLast = offset + page.Count >= matches.Count;
            var result = new JsonObject
            {
                ["issues"] = new JsonArray(page.Select(i => (JsonNode?)json.Issue(i, selection, user)).ToArray()),
            };
            if (!isLast)
            {
                result["nextPageToken"] = WritePageToken(offset + page.Count, jql!);
            }
            result["isLast"] = isLast;
            return Results.Json(result);
        }
    }

    // The token is opaque to clients; it binds the offset to the query it came from.
    private static string WritePageToken(int offset, string jql) =>
        Base64Url.Encode(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{offset}:{QueryFingerprint(jql)}")));

    private static bool TryReadPageToken(string token, string jql, out int offset)
    {
        offset = 0;
        var text = Base64Url.TryDecode(token) is { } bytes ? Encoding.UTF8.GetString(bytes) : "";
        var parts = text.Split(':');
        return parts.Length == 2 && parts[1] == QueryFingerprint(jql)
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out offset);
    }

    private static string QueryFingerprint(string jql) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(jql)))[..16];

    private static SimIssue? VisibleIssue(HttpContext c, JiraSite site, string idOrKey) =>
        site.FindIssue(idOrKey) is { } issue && JiraCaller.From(c).User.Can(issue.ProjectKey, ProjectAccess.Browse) ? issue : null;

    private static IResult GetIssue(HttpContext c, JiraSite site, SiteUrls urls, string issueIdOrKey)
    {
        var user = JiraCaller.From(c).User;
        var selection = FieldSelection.Parse(c.Request.Query["fields"].Select(f => f ?? ""), allByDefault: true);
        var expand = c.Request.Query["expand"].ToString().Split(',', StringSplitOptions.TrimEntries);
        lock (site.Gate)
        {
            return VisibleIssue(c, site, issueIdOrKey) is { } issue
                ? Results.Json(Json(site, urls).Issue(issue, selection, user, withEditMeta: expand.Contains("editmeta")))
                : JiraErrors.NotFound(JiraErrors.IssueNotFound);
        }
    }

    private static async Task<IResult> EditIssue(HttpContext c, JiraSite site, SiteUrls urls, TimeProvider clock, IOptions<SimulatorOptions> options, string issueIdOrKey)
    {
        var (body, error) = await ReadJsonAsync(c, options.Value.MaxRequestBodyBytes);
        if (error is not null)
        {
            return error;
        }
        var user = JiraCaller.From(c).User;
        lock (site.Gate)
        {
            if (VisibleIssue(c, site, issueIdOrKey) is not { } issue)
            {
                return JiraErrors.NotFound(JiraErrors.IssueNotFound);
            }
            var project = site.ProjectOf(issue);
            if (!user.Can(project.Key, ProjectAccess.Edit))
            {
                return JiraErrors.Forbidden("You do not have permission to edit issues in this project.");
            }
            if (body is not JsonObject request || (request["fields"] is null && request["update"] is null))
            {
                return JiraErrors.BadRequest("Can not deserialize the request: 'fields' or 'update' is required.");
            }

            // Normalise {"fields":{f:v}} and {"update":{f:[{"set":v}]}} into one list of sets.
            var sets = new List<KeyValuePair<string, JsonNode?>>();
            var errors = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (field, value) in request["fields"] as JsonObject ?? [])
            {
                sets.Add(new(field, value));
            }
            foreach (var (field, ops) in request["update"] as JsonObject ?? [])
            {
                foreach (var op in ops as JsonArray ?? [])
                {
                    if (op is JsonObject o && o.TryGetPropertyValue("set", out var v))
                    {
                        sets.Add(new(field, v));
                    }
                    else
                    {
                        errors[field] = $"The simulator supports only the 'set' operation for field '{field}'.";
                    }
                }
            }

            foreach (var (field, value) in sets)
            {
                if (!project.EditScreenFields.Contains(field) || site.FindField(field) is not { } definition)
                {
                    errors[field] = $"Field '{field}' cannot be set. It is not on the appropriate screen, or unknown.";
                    continue;
                }
                var problem = definition switch
                {
                    { Id: "summary" } => value is JsonValue s && s.TryGetValue<string>(out var text) && text.Trim().Length > 0 ? null : "You must specify a summary of the issue.",
                    { Id: "labels" } => value is JsonArray a && a.All(l => l is JsonValue lv && lv.TryGetValue<string>(out _)) ? null : "Labels must be a list of strings.",
                    { SchemaType: "number" } => value is null || (value is JsonValue n && n.TryGetValue<double>(out _)) ? null : "Operation value must be a number.",
                    { Id: "description" or "assignee" or SeedData.SprintFieldId } => null,
                    _ => $"Field '{field}' cannot be set. It is not on the appropriate screen, or unknown.",
                };
                if (problem is not null)
                {
                    errors[field] = problem;
                }
            }
            if (errors.Count > 0)
            {
                return JiraErrors.FieldErrors(errors);
            }

            foreach (var (field, value) in sets)
            {
                switch (field)
                {
                    case "summary":
                        issue.Summary = value!.GetValue<string>().Trim();
                        break;
                    case "labels":
                        issue.Labels.Clear();
                        issue.Labels.AddRange(value!.AsArray().Select(l => l!.GetValue<string>()));
                        break;
                    case "assignee":
                        issue.AssigneeAccountId = value?["accountId"]?.GetValue<string>();
                        break;
                    case "description":
                    case SeedData.SprintFieldId:
                        break;
                    default:
                        issue.Numbers[field] = value?.GetValue<double>();
                        break;
                }
            }
            issue.Updated = clock.GetUtcNow();
            if (string.Equals(c.Request.Query["returnIssue"], "true", StringComparison.OrdinalIgnoreCase))
            {
                return Results.Json(Json(site, urls).Issue(issue, FieldSelection.Parse(null, true), user));
            }
            return Results.NoContent();
        }
    }

    private static IResult DeleteIssue(HttpContext c, JiraSite site, string issueIdOrKey)
    {
        var user = JiraCaller.From(c).User;
        lock (site.Gate)
        {
            if (VisibleIssue(c, site, issueIdOrKey) is not { } issue)
            {
                return JiraErrors.NotFound(JiraErrors.IssueNotFound);
            }
            if (!user.Can(issue.ProjectKey, ProjectAccess.Administer))
            {
                return JiraErrors.Forbidden("You do not have permission to delete issues in this project.");
            }
            issue.Deleted = true;
            return Results.NoContent();
        }
    }

    private static IResult ListProperties(HttpContext c, JiraSite site, SiteUrls urls, string issueIdOrKey)
    {
        lock (site.Gate)
        {
            if (VisibleIssue(c, site, issueIdOrKey) is not { } issue)
            {
                return JiraErrors.NotFound(JiraErrors.IssueNotFound);
            }
            var baseUrl = urls.BaseUrl.TrimEnd('/');
            return Results.Json(new JsonObject
            {
                ["keys"] = new JsonArray(issue.Properties.Keys.Order(StringComparer.Ordinal).Select(k => (JsonNode?)new JsonObject
                {
                    ["self"] = $"{baseUrl}/rest/api/3/issue/{issue.Id}/properties/{Uri.EscapeDataString(k)}",
                    ["key"] = k,
                }).ToArray()),
            });
        }
    }

    private static IResult? InvalidPropertyKey(string key) =>
        key.Length is 0 or > 255 ? JiraErrors.BadRequest("The property key must be between 1 and 255 characters long.") : null;

    private static IResult GetProperty(HttpContext c, JiraSite site, string issueIdOrKey, string propertyKey)
    {
        if (InvalidPropertyKey(propertyKey) is { } invalid)
        {
            return invalid;
        }
        lock (site.Gate)
        {
            if (VisibleIssue(c, site, issueIdOrKey) is not { } issue)
            {
                return JiraErrors.NotFound(JiraErrors.IssueNotFound);
            }
            if (!issue.Properties.TryGetValue(propertyKey, out var raw))
            {
                return JiraErrors.NotFound($"The property with key '{propertyKey}' does not exist.");
            }
            return Results.Json(new JsonObject { ["key"] = propertyKey, ["value"] = JsonNode.Parse(raw) });
        }
    }

    private static async Task<IResult> SetProperty(HttpContext c, JiraSite site, IOptions<SimulatorOptions> options, string issueIdOrKey, string propertyKey)
    {
        if (InvalidPropertyKey(propertyKey) is { } invalid)
        {
            return invalid;
        }
        byte[] bytes;
        try
        {
            bytes = await RequestBody.ReadAsync(c, options.Value.MaxRequestBodyBytes);
        }
        catch (RequestBody.TooLargeException e)
        {
            return JiraErrors.TooLarge(e.Limit);
        }
        if (bytes.Length > MaxPropertyBytes)
        {
            return JiraErrors.BadRequest($"The property value exceeds the maximum size of {MaxPropertyBytes} bytes.");
        }
        string normalised;
        try
        {
            using var document = JsonDocument.Parse(bytes);
            normalised = document.RootElement.GetRawText();
        }
        catch (JsonException)
        {
            return JiraErrors.BadRequest("The property value must be valid JSON.");
        }
        var user = JiraCaller.From(c).User;
        lock (site.Gate)
        {
            if (VisibleIssue(c, site, issueIdOrKey) is not { } issue)
            {
                return JiraErrors.NotFound(JiraErrors.IssueNotFound);
            }
            if (!user.Can(issue.ProjectKey, ProjectAccess.Edit))
            {
                return JiraErrors.Forbidden("You do not have permission to edit issues in this project.");
            }
            var created = !issue.Properties.ContainsKey(propertyKey);
            issue.Properties[propertyKey] = normalised;
            return created ? Results.StatusCode(StatusCodes.Status201Created) : Results.Ok();
        }
    }

    private static IResult DeleteProperty(HttpContext c, JiraSite site, string issueIdOrKey, string propertyKey)
    {
        var user = JiraCaller.From(c).User;
        lock (site.Gate)
        {
            if (VisibleIssue(c, site, issueIdOrKey) is not { } issue)
            {
                return JiraErrors.NotFound(JiraErrors.IssueNotFound);
            }
            if (!user.Can(issue.ProjectKey, ProjectAccess.Edit))
            {
                return JiraErrors.Forbidden("You do not have permission to edit issues in this project.");
            }
            return issue.Properties.Remove(propertyKey)
                ? Results.NoContent()
                : JiraErrors.NotFound($"The property with key '{propertyKey}' does not exist.");
        }
    }

    private static async Task<(JsonNode? Body, IResult? Error)> ReadJsonAsync(HttpContext c, int limit)
    {
        byte[] bytes;
        try
        {
            bytes = await RequestBody.ReadAsync(c, limit);
        }
        catch (RequestBody.TooLargeException e)
        {
            return (null, JiraErrors.TooLarge(e.Limit));
        }
        if (bytes.Length == 0)
        {
            return (null, null);
        }
        try
        {
            return (JsonNode.Parse(bytes), null);
        }
        catch (JsonException)
        {
            return (null, JiraErrors.BadRequest("Invalid request payload. Refer to the REST API documentation and try again."));
        }
    }
}
