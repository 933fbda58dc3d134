using System.Globalization;
using System.Text.Json.Nodes;

namespace Estimo.Simulator.Jira;

/// <summary>Which fields of an issue a response carries, from a Jira <c>fields</c> parameter.</summary>
public sealed class FieldSelection
{
    private readonly HashSet<string> _included;
    private readonly HashSet<string> _excluded;
    private readonly bool _all;

    private FieldSelection(bool all, HashSet<string> included, HashSet<string> excluded)
    {
        _all = all;
        _included = included;
        _excluded = excluded;
    }

    /// <summary>Parses <c>fields</c> items such as <c>summary</c>, <c>*all</c>, <c>*navigable</c>, <c>-labels</c>; comma lists are split.</summary>
    public static FieldSelection Parse(IEnumerable<string>? items, bool allByDefault)
    {
        var parts = (items ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        var all = parts.Count == 0 ? allByDefault : parts.Any(p => p is "*all" or "*navigable");
        var included = parts.Where(p => !p.StartsWith('*') && !p.StartsWith('-')).ToHashSet(StringComparer.Ordinal);
        var excluded = parts.Where(p => p.StartsWith('-')).Select(p => p[1..]).ToHashSet(StringComparer.Ordinal);
        return new FieldSelection(all, included, excluded);
    }

    public bool Includes(string fieldId) => !_excluded.Contains(fieldId) && (_all || _included.Contains(fieldId));
}

/// <summary>Renders simulator entities in the JSON shapes of Jira Cloud's REST API v3 and Agile 1.0.</summary>
public sealed class JiraJson(JiraSite site, string baseUrl)
{
    public string BaseUrl { get; } = baseUrl.TrimEnd('/');

    public static string Date(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", CultureInfo.InvariantCulture) + "+0000";

    public static string IsoDate(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public JsonObject AvatarUrls(string accountId)
    {
        var url = $"{BaseUrl}/__sim/avatars/{Uri.EscapeDataString(accountId)}.svg";
        return new JsonObject
        {
            ["48x48"] = url + "?s=48",
            ["24x24"] = url + "?s=24",
            ["16x16"] = url + "?s=16",
            ["32x32"] = url + "?s=32",
        };
    }

    /// <summary>A user as another caller sees them: the e-mail only if its owner made it visible (or it is the caller).</summary>
    public JsonObject User(SimUser user, SimUser? viewer)
    {
        var json = new JsonObject
        {
            ["self"] = $"{BaseUrl}/rest/api/3/user?accountId={Uri.EscapeDataString(user.AccountId)}",
            ["accountId"] = user.AccountId,
            ["accountType"] = user.AccountType,
        };
        var isSelf = viewer is not null && viewer.AccountId == user.AccountId;
        if (user.EmailAddress.Length > 0 && (user.EmailVisibleToOthers || isSelf))
        {
            json["emailAddress"] = user.EmailAddress;
        }
        json["avatarUrls"] = AvatarUrls(user.AccountId);
        json["displayName"] = user.DisplayName;
        json["active"] = true;
        json["timeZone"] = "Etc/UTC";
        json["locale"] = "en_US";
        return json;
    }

    public JsonObject Myself(SimUser user)
    {
        var json = User(user, user);
        json["groups"] = new JsonObject { ["size"] = user.IsSiteAdmin ? 2 : 1, ["items"] = new JsonArray() };
        json["applicationRoles"] = new JsonObject { ["size"] = 1, ["items"] = new JsonArray() };
        json["expand"] = "groups,applicationRoles";
        return json;
    }

    public JsonObject ProjectRef(SimProject project) => new()
    {
        ["self"] = $"{BaseUrl}/rest/api/3/project/{project.Id}",
        ["id"] = project.Id,
        ["key"] = project.Key,
        ["name"] = project.Name,
        ["projectTypeKey"] = "software",
        ["simplified"] = project.TeamManaged,
        ["avatarUrls"] = new JsonObject { ["48x48"] = $"{BaseUrl}/__sim/avatars/project-{project.Key}.svg?s=48" },
    };

    public JsonObject Status(SimStatus status) => new()
    {
        ["self"] = $"{BaseUrl}/rest/api/3/status/{status.Id}",
        ["description"] = "",
        ["iconUrl"] = $"{BaseUrl}/",
        ["name"] = status.Name,
        ["id"] = status.Id,
        ["statusCategory"] = new JsonObject
        {
            ["self"] = $"{BaseUrl}/rest/api/3/statuscategory/{status.CategoryId}",
            ["id"] = status.CategoryId,
            ["key"] = status.CategoryKey,
            ["colorName"] = status.CategoryColor,
            ["name"] = status.CategoryName,
        },
    };

    public JsonObject IssueType(SimIssueType type) => new()
    {
        ["self"] = $"{BaseUrl}/rest/api/3/issuetype/{type.Id}",
        ["id"] = type.Id,
        ["description"] = type.Description,
        ["iconUrl"] = $"{BaseUrl}/__sim/avatars/issuetype-{type.Id}.svg",
        ["name"] = type.Name,
        ["subtask"] = false,
        ["hierarchyLevel"] = 0,
    };

    public JsonObject Sprint(SimSprint sprint)
    {
        var json = new JsonObject
        {
            ["id"] = sprint.Id,
            ["self"] = $"{BaseUrl}/rest/agile/1.0/sprint/{sprint.Id}",
            ["state"] = sprint.State,
            ["name"] = sprint.Name,
        };
        if (sprint.StartDate is { } start)
        {
            json["startDate"] = IsoDate(start);
        }
        if (sprint.EndDate is { } end)
        {
            json["endDate"] = IsoDate(end);
        }
        json["originBoardId"] = sprint.BoardId;
        json["goal"] = sprint.Goal;
        return json;
    }

    public JsonObject Board(SimBoard board)
    {
        var project = site.FindProject(board.ProjectKey)!;
        return new JsonObject
        {
            ["id"] = board.Id,
            ["self"] = $"{BaseUrl}/rest/agile/1.0/board/{board.Id}",
            ["name"] = board.Name,
            ["type"] = board.Type,
            ["location"] = new JsonObject
            {
                ["projectId"] = int.Parse(project.Id, CultureInfo.InvariantCulture),
                ["displayName"] = $"{project.Name} ({project.Key})",
                ["projectName"] = project.Name,
                ["projectKey"] = project.Key,
                ["projectTypeKey"] = "software",
                ["avatarURI"] = $"{BaseUrl}/__sim/avatars/project-{project.Key}.svg?s=48",
                ["name"] = $"{project.Name} ({project.Key})",
            },
        };
    }

    public JsonObject BoardConfiguration(SimBoard board)
    {
        var project = site.FindProject(board.ProjectKey)!;
        var field = site.FindField(project.EstimateFieldId)!;
        var columns = new JsonArray(SeedData.Statuses.Select(s => (JsonNode?)new JsonObject
        {
            ["name"] = s.Name,
            ["statuses"] = new JsonArray(new JsonObject { ["id"] = s.Id, ["self"] = $"{BaseUrl}/rest/api/3/status/{s.Id}" }),
        }).ToArray());
        return new JsonObject
        {
            ["id"] = board.Id,
            ["name"] = board.Name,
            ["type"] = board.Type,
            ["self"] = $"{BaseUrl}/rest/agile/1.0/board/{board.Id}/configuration",
            ["location"] = new JsonObject
            {
                ["type"] = "project",
                ["key"] = project.Key,
                ["id"] = project.Id,
                ["self"] = $"{BaseUrl}/rest/api/3/project/{project.Id}",
                ["name"] = project.Name,
            },
            ["filter"] = new JsonObject { ["id"] = board.FilterId.ToString(CultureInfo.InvariantCulture), ["self"] = $"{BaseUrl}/rest/api/3/filter/{board.FilterId}" },
            ["subQuery"] = new JsonObject { ["query"] = "resolution = EMPTY OR resolution changed after -2w" },
            ["columnConfig"] = new JsonObject { ["columns"] = columns, ["constraintType"] = "issueCount" },
            ["estimation"] = new JsonObject
            {
                ["type"] = "field",
                ["field"] = new JsonObject { ["fieldId"] = field.Id, ["displayName"] = field.Name },
            },
            ["ranking"] = new JsonObject { ["rankCustomFieldId"] = 10019 },
        };
    }

    public JsonObject Field(SimField field)
    {
        var schema = new JsonObject { ["type"] = field.SchemaType };
        if (field.SchemaItems is not null)
        {
            schema["items"] = field.SchemaItems;
        }
        if (field.SystemName is not null)
        {
            schema["system"] = field.SystemName;
        }
        if (field.CustomType is not null)
        {
            schema["custom"] = field.CustomType;
            schema["customId"] = field.CustomId;
        }
        var json = new JsonObject
        {
            ["id"] = field.Id,
            ["key"] = field.Id,
            ["name"] = field.Name,
            ["custom"] = field.Custom,
            ["orderable"] = field.Id is not ("status" or "created" or "updated" or "issuekey"),
            ["navigable"] = true,
            ["searchable"] = true,
            ["clauseNames"] = new JsonArray(field.Custom
                ? [JsonValue.Create($"cf[{field.CustomId}]"), JsonValue.Create(field.Name)]
                : [JsonValue.Create(field.Id)]),
            ["schema"] = schema,
        };
        if (field.Custom)
        {
            json["untranslatedName"] = field.Name;
        }
        if (field.ProjectScopeId is not null)
        {
            json["scope"] = new JsonObject { ["type"] = "PROJECT", ["project"] = new JsonObject { ["id"] = field.ProjectScopeId } };
        }
        return json;
    }

    /// <summary>Fields an issue has values for (its project's field configuration).</summary>
    public static IEnumerable<string> FieldsOf(SimProject project) =>
        ["summary", "description", "status", "issuetype", "project", "assignee", "reporter", "labels", "created", "updated",
         SeedData.SprintFieldId, SeedData.RankFieldId, project.EstimateFieldId];

    public JsonObject Issue(SimIssue issue, FieldSelection selection, SimUser viewer, bool withEditMeta = false)
    {
        var project = site.ProjectOf(issue);
        var fields = new JsonObject();
        foreach (var id in FieldsOf(project))
        {
            if (selection.Includes(id))
            {
                fields[id] = FieldValue(issue, project, id, viewer);
            }
        }
        var json = new JsonObject
        {
            ["expand"] = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
            ["id"] = issue.Id,
            ["self"] = $"{BaseUrl}/rest/api/3/issue/{issue.Id}",
            ["key"] = issue.Key,
            ["fields"] = fields,
        };
        if (withEditMeta)
        {
            json["editmeta"] = EditMeta(issue, viewer);
        }
        return json;
    }

    /// <summary>The fields the viewer could set: those on the project's edit screen, and none without edit permission.</summary>
    public JsonObject EditMeta(SimIssue issue, SimUser viewer)
    {
        var project = site.ProjectOf(issue);
        var fields = new JsonObject();
        if (viewer.Can(project.Key, ProjectAccess.Edit))
        {
            foreach (var id in project.EditScreenFields.Order(StringComparer.Ordinal))
            {
                var field = site.FindField(id)!;
                var schema = new JsonObject { ["type"] = field.SchemaType };
                if (field.SchemaItems is not null)
                {
                    schema["items"] = field.SchemaItems;
                }
                if (field.SystemName is not null)
                {
                    schema["system"] = field.SystemName;
                }
                if (field.CustomType is not null)
                {
                    schema["custom"] = field.CustomType;
                    schema["customId"] = field.CustomId;
                }
                fields[id] = new JsonObject
                {
                    ["required"] = id == "summary",
                    ["schema"] = schema,
                    ["name"] = field.Name,
                    ["key"] = id,
                    ["operations"] = field.SchemaType == "array" ? new JsonArray("add", "set", "remove") : new JsonArray("set"),
                };
            }
        }
        return new JsonObject { ["fields"] = fields };
    }

    private JsonNode? FieldValue(SimIssue issue, SimProject project, string id, SimUser viewer)
    {
        switch (id)
        {
            case "summary": return issue.Summary;
            case "description": return null;
            case "status": return Status(site.StatusOf(issue));
            case "issuetype": return IssueType(site.IssueTypeOf(issue));
            case "project": return ProjectRef(project);
            case "assignee": return issue.AssigneeAccountId is { } a && site.FindUser(a) is { } assignee ? User(assignee, viewer) : null;
            case "reporter": return site.FindUser(issue.ReporterAccountId) is { } reporter ? User(reporter, viewer) : null;
            case "labels": return new JsonArray(issue.Labels.Select(l => (JsonNode?)JsonValue.Create(l)).ToArray());
            case "created": return Date(issue.Created);
            case "updated": return Date(issue.Updated);
            case SeedData.RankFieldId: return issue.Rank;
            case SeedData.SprintFieldId:
                if (issue.SprintId is not { } sprintId || site.FindSprint(sprintId) is not { } sprint)
                {
                    return null;
                }
                var s = Sprint(sprint);
                s.Remove("self");
                s.Remove("originBoardId");
                s["boardId"] = sprint.BoardId;
                return new JsonArray(s);
            default:
                return issue.Numbers.TryGetValue(id, out var value) && value is { } number ? JsonValue.Create(number) : null;
        }
    }
}
