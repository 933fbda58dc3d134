using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Estimo.Simulator.Tests;

/// <summary>The simulated Jira REST API over real HTTP: shapes, permissions, JQL, pagination, edits, properties.</summary>
public sealed class JiraApiTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>, IAsyncLifetime
{
    private RunningSimulator Sim => fixture.Sim;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await Sim.PostAdminAsync("/__sim/reset");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static async Task<JsonNode> Json(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonNode>(Ct))!;

    private static Task<HttpResponseMessage> Search(HttpClient client, object body) =>
        client.PostAsJsonAsync("/rest/api/3/search/jql", body, Ct);

    [Fact]
    public async Task Myself_WithoutToken_Is401InJirasShape()
    {
        using var response = await Sim.Http.GetAsync("/rest/api/3/myself", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await Json(response);
        Assert.Single(body["errorMessages"]!.AsArray());
        Assert.NotNull(body["errors"]);
    }

    [Fact]
    public async Task Myself_ShowsOwnEmail_ButOtherUsersHideTheirsUnlessPublic()
    {
        using var carol = await Sim.AsUserAsync(Users.Carol);
        var me = await Json(await carol.GetAsync("/rest/api/3/myself", Ct));
        Assert.Equal(Users.Carol, me["accountId"]!.GetValue<string>());
        Assert.Equal("Carol Chen", me["displayName"]!.GetValue<string>());
        Assert.Equal("carol@estimo.example", me["emailAddress"]!.GetValue<string>());
        Assert.StartsWith(Sim.BaseUrl + "/__sim/avatars/", me["avatarUrls"]!["48x48"]!.GetValue<string>(), StringComparison.Ordinal);

        var alice = await Json(await carol.GetAsync($"/rest/api/3/user?accountId={Users.Alice}", Ct));
        Assert.Null(alice["emailAddress"]);
        var bob = await Json(await carol.GetAsync($"/rest/api/3/user?accountId={Users.Bob}", Ct));
        Assert.Equal("bob@estimo.example", bob["emailAddress"]!.GetValue<string>());

        using var avatar = await Sim.Http.GetAsync(new Uri(me["avatarUrls"]!["48x48"]!.GetValue<string>()), Ct);
        Assert.Equal("image/svg+xml", avatar.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData(Users.Bob, true, true)]
    [InlineData(Users.Carol, true, false)]
    [InlineData(Users.Dave, false, false)]
    public async Task MyPermissions_PerUser_ReflectBrowseAndEdit(string accountId, bool browse, bool edit)
    {
        using var client = await Sim.AsUserAsync(accountId);
        using var response = await client.GetAsync("/rest/api/3/mypermissions?permissions=BROWSE_PROJECTS,EDIT_ISSUES&projectKey=EST", Ct);
        if (!browse)
        {
            // A project the user cannot browse does not exist for them.
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            return;
        }
        response.EnsureSuccessStatusCode();
        var permissions = (await Json(response))["permissions"]!;
        Assert.Equal(browse, permissions["BROWSE_PROJECTS"]!["havePermission"]!.GetValue<bool>());
        Assert.Equal(edit, permissions["EDIT_ISSUES"]!["havePermission"]!.GetValue<bool>());
        Assert.Equal("12", permissions["EDIT_ISSUES"]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task UserSearch_FindsByDisplayName_AndByEmailOnlyWhenItIsVisible()
    {
        using var carol = await Sim.AsUserAsync(Users.Carol);

        var byName = (await Json(await carol.GetAsync("/rest/api/3/user/search?query=bak", Ct))).AsArray();
        var byHiddenEmail = (await Json(await carol.GetAsync("/rest/api/3/user/search?query=alice@", Ct))).AsArray();
        using var neither = await carol.GetAsync("/rest/api/3/user/search", Ct);

        Assert.Equal(Users.Bob, Assert.Single(byName)!["accountId"]!.GetValue<string>());
        Assert.Empty(byHiddenEmail);
        Assert.Equal(HttpStatusCode.BadRequest, neither.StatusCode);
    }

    [Fact]
    public async Task MyPermissions_WithoutPermissionsParameter_Is400()
    {
        using var client = await Sim.AsUserAsync(Users.Bob);
        using var response = await client.GetAsync("/rest/api/3/mypermissions", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task PermissionsCheck_ListsOnlyTheProjectsWhereTheUserMayEdit()
    {
        using var carol = await Sim.AsUserAsync(Users.Carol);
        using var response = await carol.PostAsJsonAsync("/rest/api/3/permissions/check", new
        {
            projectPermissions = new[] { new { permissions = new[] { "BROWSE_PROJECTS", "EDIT_ISSUES" }, projects = new[] { 10000, 10001, 10002 } } },
        }, Ct);
        response.EnsureSuccessStatusCode();
        var results = (await Json(response))["projectPermissions"]!.AsArray();
        Assert.Equal([10000L, 10001L], results.Single(r => r!["permission"]!.GetValue<string>() == "BROWSE_PROJECTS")!["projects"]!.AsArray().Select(p => p!.GetValue<long>()));
        Assert.Empty(results.Single(r => r!["permission"]!.GetValue<string>() == "EDIT_ISSUES")!["projects"]!.AsArray());
    }

    [Fact]
    public async Task Fields_IncludeBothEstimateFieldsAsNumbers()
    {
        using var client = await Sim.AsUserAsync(Users.Bob);
        var fields = (await Json(await client.GetAsync("/rest/api/3/field", Ct))).AsArray();
        var storyPoints = fields.Single(f => f!["name"]!.GetValue<string>() == "Story Points")!;
        var estimate = fields.Single(f => f!["name"]!.GetValue<string>() == "Story point estimate")!;
        Assert.Equal("customfield_10016", storyPoints["id"]!.GetValue<string>());
        Assert.Equal("number", storyPoints["schema"]!["type"]!.GetValue<string>());
        Assert.True(estimate["custom"]!.GetValue<bool>());
        Assert.Equal("number", estimate["schema"]!["type"]!.GetValue<string>());
        Assert.Contains(fields, f => f!["id"]!.GetValue<string>() == "summary" && !f["custom"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Boards_AreFilteredByWhatTheUserCanBrowse_AndNameTheirEstimationField()
    {
        using var dave = await Sim.AsUserAsync(Users.Dave);
        var boards = await Json(await dave.GetAsync("/rest/agile/1.0/board", Ct));
        Assert.Equal(["TEAM board"], boards["values"]!.AsArray().Select(b => b!["name"]!.GetValue<string>()));
        using var hidden = await dave.GetAsync("/rest/agile/1.0/board/1", Ct);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);

        using var bob = await Sim.AsUserAsync(Users.Bob);
        var est = await Json(await bob.GetAsync("/rest/agile/1.0/board?projectKeyOrId=EST", Ct));
        Assert.Equal(1, est["values"]![0]!["id"]!.GetValue<int>());
        var config = await Json(await bob.GetAsync("/rest/agile/1.0/board/2/configuration", Ct));
        Assert.Equal("customfield_10026", config["estimation"]!["field"]!["fieldId"]!.GetValue<string>());
        Assert.Equal("Story point estimate", config["estimation"]!["field"]!["displayName"]!.GetValue<string>());
    }

    [Fact]
    public async Task Sprints_FilterByState_AndBacklogExcludesOpenSprintIssues()
    {
        using var bob = await Sim.AsUserAsync(Users.Bob);
        var sprints = await Json(await bob.GetAsync("/rest/agile/1.0/board/1/sprint?state=active,future", Ct));
        Assert.Equal(["active", "future"], sprints["values"]!.AsArray().Select(s => s!["state"]!.GetValue<string>()));

        var backlog = await Json(await bob.GetAsync("/rest/agile/1.0/board/1/backlog?maxResults=100", Ct));
        var keys = backlog["issues"]!.AsArray().Select(i => i!["key"]!.GetValue<string>()).ToList();
        Assert.Equal(24, backlog["total"]!.GetValue<int>());
        Assert.Equal("EST-11", keys[0]);
        Assert.DoesNotContain("EST-1", keys);

        var inSprint = await Json(await bob.GetAsync("/rest/agile/1.0/sprint/1/issue", Ct));
        Assert.Equal(6, inSprint["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Search_JqlSubset_FiltersAndOrders()
    {
        using var bob = await Sim.AsUserAsync(Users.Bob);
        async Task<List<string>> Keys(string jql)
        {
            using var response = await Search(bob, new { jql, maxResults = 100, fields = new[] { "summary" } });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await Json(response))["issues"]!.AsArray().Select(i => i!["key"]!.GetValue<string>()).ToList();
        }

        Assert.Equal(6, (await Keys("project = EST AND sprint = 1")).Count);
        Assert.Equal(10, (await Keys("project = EST AND sprint in openSprints()")).Count);
        Assert.Equal(["EST-2", "EST-1"], await Keys("key in (EST-1, EST-2) ORDER BY key DESC"));
        Assert.Equal(["EST-1", "EST-2"], await Keys("key in (EST-2,EST-1) order by Rank ASC"));
        Assert.All(await Keys("project in (EST, TEAM) AND status = \"To Do\""), k => Assert.Matches("^(EST|TEAM)-", k));
        Assert.Equal(["EST-33", "EST-34"], await Keys("project = EST AND issuetype = Bug"));
        Assert.Contains("TEAM-3", await Keys("project = TEAM AND status in (\"In Progress\", Done)"));
    }

    [Theory]
    [InlineData("project = EST AND", "Expecting a field name")]
    [InlineData("project EST", "Expecting operator but got 'EST'")]
    [InlineData("project = \"EST", "has not been completed")]
    [InlineData("nonsense = 1", "Field 'nonsense' does not exist")]
    [InlineData("project = NOPE", "The value 'NOPE' does not exist for the field 'project'.")]
    [InlineData("project = EST ORDER BY", "Expecting a field name")]
    [InlineData("", "Unbounded JQL queries are not allowed")]
    public async Task Search_MalformedJql_Is400WithJiraLikeMessage(string jql, string expected)
    {
        using var bob = await Sim.AsUserAsync(Users.Bob);
        using var response = await Search(bob, new { jql });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = (await Json(response))["errorMessages"]![0]!.GetValue<string>();
        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_TokenPagination_WalksEveryIssueOnce()
    {
        using var bob = await Sim.AsUserAsync(Users.Bob);
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            using var response = await Search(bob, new { jql = "project = EST ORDER BY key ASC", maxResults = 10, nextPageToken = token });
            var page = await Json(response);
            seen.AddRange(page["issues"]!.AsArray().Select(i => i!["key"]!.GetValue<string>()));
            token = page["nextPageToken"]?.GetValue<string>();
            Assert.Equal(token is null, page["isLast"]!.GetValue<bool>());
            pages++;
        }
        while (token is not null);
        Assert.Equal(4, pages);
        Assert.Equal(34, seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());

        // A token belongs to its query.
        using var first = await Search(bob, new { jql = "project = EST", maxResults = 5 });
        var otherToken = (await Json(first))["nextPageToken"]!.GetValue<string>();
        using var misuse = await Search(bob, new { jql = "project = TEAM", nextPageToken = otherToken });
        Assert.Equal(HttpStatusCode.BadRequest, misuse.StatusCode);
    }

    [Fact]
    public async Task Search_ByGet_TakesQueryParameters()
    {
        using var bob = await Sim.AsUserAsync(Users.Bob);
        var page = await Json(await bob.GetAsync("/rest/api/3/search/jql?jql=" + Uri.EscapeDataString("project = TEAM ORDER BY key DESC") + "&fields=summary&maxResults=2", Ct));
        Assert.Equal(["TEAM-12", "TEAM-11"], page["issues"]!.AsArray().Select(i => i!["key"]!.GetValue<string>()));
        Assert.NotNull(page["issues"]![0]!["fields"]!["summary"]);
        Assert.False(page["isLast"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Search_DefaultsToIdOnly_AndHidesProjectsTheUserCannotBrowse()
    {
        using var dave = await Sim.AsUserAsync(Users.Dave);
        using var response = await Search(dave, new { jql = "project in (TEAM)" });
        var issue = (await Json(response))["issues"]![0]!;
        Assert.NotNull(issue["id"]);
        Assert.Empty(issue["fields"]!.AsObject());

        using var hidden = await Search(dave, new { jql = "project = EST" });
        Assert.Equal(HttpStatusCode.BadRequest, hidden.StatusCode);
    }

    [Fact]
    public async Task Issue_InvisibleToUser_Is404LikeJira()
    {
        using var dave = await Sim.AsUserAsync(Users.Dave);
        using var response = await dave.GetAsync("/rest/api/3/issue/EST-1", Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Issue does not exist or you do not have permission to see it.", (await Json(response))["errorMessages"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task EditMeta_ListsEstimateField_OnlyWhenOnScreenAndEditable()
    {
        async Task<bool> HasField(string accountId, string issue, string field)
        {
            using var client = await Sim.AsUserAsync(accountId);
            var json = await Json(await client.GetAsync($"/rest/api/3/issue/{issue}?expand=editmeta&fields=summary", Ct));
            return json["editmeta"]!["fields"]![field] is not null;
        }

        Assert.True(await HasField(Users.Bob, "EST-1", "customfield_10016"));
        Assert.True(await HasField(Users.Bob, "TEAM-1", "customfield_10026"));
        Assert.False(await HasField(Users.Carol, "EST-1", "customfield_10016"));
        Assert.False(await HasField(Users.Bob, "LEG-1", "customfield_10016"));
    }

    [Fact]
    public async Task EditIssue_SavesEstimate_ForAUserWhoMayEdit()
    {
        using var bob = await Sim.AsUserAsync(Users.Bob);
        using var put = await bob.PutAsJsonAsync("/rest/api/3/issue/EST-4", new { fields = new { customfield_10016 = 8 } }, Ct);
        Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        var issue = await Json(await bob.GetAsync("/rest/api/3/issue/EST-4?fields=customfield_10016", Ct));
        Assert.Equal(8, issue["fields"]!["customfield_10016"]!.GetValue<double>());
    }

    [Fact]
    public async Task EditIssue_ByBrowseOnlyUser_IsRefused()
    {
        using var carol = await Sim.AsUserAsync(Users.Carol);
        using var put = await carol.PutAsJsonAsync("/rest/api/3/issue/EST-4", new { fields = new { customfield_10016 = 8 } }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.NotEmpty((await Json(put))["errorMessages"]!.AsArray());
    }

    [Fact]
    public async Task EditIssue_FieldNotOnScreen_Is400WithFieldError()
    {
        using var bob = await Sim.AsUserAsync(Users.Bob);
        using var put = await bob.PutAsJsonAsync("/rest/api/3/issue/LEG-2", new { fields = new { customfield_10016 = 3 } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Equal("Field 'customfield_10016' cannot be set. It is not on the appropriate screen, or unknown.",
            (await Json(put))["errors"]!["customfield_10016"]!.GetValue<string>());

        using var unknown = await bob.PutAsJsonAsync("/rest/api/3/issue/EST-2", new { fields = new { customfield_99999 = 3 } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.NotNull((await Json(unknown))["errors"]!["customfield_99999"]);
    }

    [Fact]
    public async Task EditIssue_DeletedIssue_Is404()
    {
        using var alice = await Sim.AsUserAsync(Users.Alice);
        using var delete = await alice.DeleteAsync("/rest/api/3/issue/EST-20", Ct);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using var put = await alice.PutAsJsonAsync("/rest/api/3/issue/EST-20", new { fields = new { customfield_10016 = 1 } }, Ct);
        Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
    }

    [Fact]
    public async Task Properties_RoundTrip_AndEnforceTheSizeLimit()
    {
        using var bob = await Sim.AsUserAsync(Users.Bob);
        const string path = "/rest/api/3/issue/EST-5/properties/estimo.session";
        using (var missing = await bob.GetAsync(path, Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }
        using (var created = await bob.PutAsJsonAsync(path, new { round = 2, votes = new[] { 3, 5 } }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        using (var updated = await bob.PutAsJsonAsync(path, new { round = 3 }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        }
        var got = await Json(await bob.GetAsync(path, Ct));
        Assert.Equal("estimo.session", got["key"]!.GetValue<string>());
        Assert.Equal(3, got["value"]!["round"]!.GetValue<int>());

        using var tooBig = await bob.PutAsync(path, new StringContent("\"" + new string('x', 40_000) + "\"", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, tooBig.StatusCode);

        using var carol = await Sim.AsUserAsync(Users.Carol);
        using var refused = await carol.PutAsJsonAsync(path, new { round = 4 }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        using (var deleted = await bob.DeleteAsync(path, Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        using var gone = await bob.GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task OversizedBody_Is413()
    {
        using var bob = await Sim.AsUserAsync(Users.Bob);
        var jql = "project = EST AND key in (" + string.Join(',', Enumerable.Repeat("EST-1", 20_000)) + ")";
        using var response = await Search(bob, new { jql });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.NotEmpty((await Json(response))["errorMessages"]!.AsArray());
    }

    [Fact]
    public async Task ApiBaseUrlForm_ServesTheSameApi_ForTheRightCloudIdOnly()
    {
        using var bob = await Sim.AsUserAsync(Users.Bob);
        using var ok = await bob.GetAsync($"/ex/jira/{Jira.SeedData.CloudId}/rest/api/3/myself", Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using var wrong = await bob.GetAsync("/ex/jira/00000000-0000-0000-0000-000000000000/rest/api/3/myself", Ct);
        Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
    }

    [Fact]
    public async Task Reset_UndoesEdits()
    {
        using var bob = await Sim.AsUserAsync(Users.Bob);
        using (await bob.PutAsJsonAsync("/rest/api/3/issue/EST-1", new { fields = new { summary = "Changed" } }, Ct))
        {
        }
        await Sim.PostAdminAsync("/__sim/reset");
        var issue = await Json(await bob.GetAsync("/rest/api/3/issue/EST-1?fields=summary", Ct));
        Assert.Equal("Create a planning poker session from a sprint", issue["fields"]!["summary"]!.GetValue<string>());
    }
}
