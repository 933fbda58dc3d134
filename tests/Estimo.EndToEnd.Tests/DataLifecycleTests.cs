using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static Estimo.EndToEnd.Tests.AppSteps;
using static Microsoft.Playwright.Assertions;

namespace Estimo.EndToEnd.Tests;

/// <summary>
/// The data lifecycle against the real simulator and remote processes, through the API the UI
/// uses (FITs signed by the simulator, Forge OAuth tokens it issues): the personal-data cycle
/// (an account closed in Atlassian is reported and erased) and "delete our data now" for a
/// site admin only.
/// </summary>
public sealed class DataLifecycleTests(EndToEndFixture fixture) : IClassFixture<EndToEndFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PersonalDataCycle_AnAccountClosedInAtlassian_IsReported_AndErasedFromTheSessions()
    {
        EndToEndFixture.RequireBrowser();
        var stack = fixture.Stack;
        using var remote = RemoteClient(stack);
        var system = await AppTokenAsync(stack, "app-system", Users.Alice);
        var (issueId, issueKey) = await FirstBacklogIssueAsync(stack);

        using var created = await CallAsync(stack, remote, HttpMethod.Post, "/api/sessions", Users.Alice, await AppTokenAsync(stack, "app-user", Users.Alice), system, new JsonObject
        {
            ["projectKey"] = "EST",
            ["boardId"] = 1,
            ["source"] = new JsonObject { ["kind"] = "backlog" },
            ["issues"] = new JsonArray(new JsonObject { ["id"] = issueId, ["key"] = issueKey }),
            ["deckId"] = "fibonacci",
            ["estimationFieldId"] = "customfield_10016",
            ["mode"] = "live",
        });
        var createdBody = await created.Content.ReadAsStringAsync(Ct);
        Assert.True(created.StatusCode == HttpStatusCode.Created, createdBody);
        var sessionId = JsonNode.Parse(createdBody)!["sessionId"]!.GetValue<string>();
        using (var joined = await CallAsync(stack, remote, HttpMethod.Post, $"/api/sessions/{sessionId}/join", Users.Bob, await AppTokenAsync(stack, "app-user", Users.Bob), null, new JsonObject { ["role"] = "voter" }))
        {
            Assert.True(joined.IsSuccessStatusCode, await joined.Content.ReadAsStringAsync(Ct));
        }

        using (var voted = await CallAsync(stack, remote, HttpMethod.Post, $"/api/sessions/{sessionId}/votes", Users.Bob, null, null, new JsonObject { ["issueId"] = issueId, ["label"] = "5" }))
        {
            Assert.True(voted.IsSuccessStatusCode, await voted.Content.ReadAsStringAsync(Ct));
        }

        Assert.Contains(Users.Bob, await ViewAsync(stack, remote, sessionId), StringComparison.Ordinal);

        // Bob closes his Atlassian account; the daily trigger brings a token and starts the report.
        using (var closed = await stack.Sim.PostAsJsonAsync(new Uri($"/__sim/personal-data/{Users.Bob}", UriKind.Relative), new { status = "closed" }, Ct))
        {
            Assert.True(closed.IsSuccessStatusCode, await closed.Content.ReadAsStringAsync(Ct));
        }

        using (var fired = await stack.Sim.PostAsync(new Uri("/__sim/trigger/estimo-daily", UriKind.Relative), null, Ct))
        {
            Assert.True(fired.IsSuccessStatusCode, await fired.Content.ReadAsStringAsync(Ct));
        }

        var view = await ViewAsync(stack, remote, sessionId);
        for (var waited = 0; view.Contains(Users.Bob, StringComparison.Ordinal) && waited < 60; waited++)
        {
            await Task.Delay(500, Ct);
            view = await ViewAsync(stack, remote, sessionId);
        }

        Assert.DoesNotContain(Users.Bob, view, StringComparison.Ordinal);
        Assert.Contains(Users.Alice, view, StringComparison.Ordinal);
        Assert.Contains("erased-", view, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteNow_ByBob_IsRefused_ByAlice_DeletesEverything()
    {
        EndToEndFixture.RequireBrowser();
        var stack = fixture.Stack;
        using var remote = RemoteClient(stack);
        var (issueId, issueKey) = await FirstBacklogIssueAsync(stack);
        using (var created = await CallAsync(stack, remote, HttpMethod.Post, "/api/sessions", Users.Alice, await AppTokenAsync(stack, "app-user", Users.Alice), null, new JsonObject
        {
            ["projectKey"] = "EST",
            ["boardId"] = 1,
            ["source"] = new JsonObject { ["kind"] = "backlog" },
            ["issues"] = new JsonArray(new JsonObject { ["id"] = issueId, ["key"] = issueKey }),
            ["deckId"] = "fibonacci",
            ["estimationFieldId"] = "customfield_10016",
            ["mode"] = "live",
        }))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync(Ct));
        }

        var siteName = new Uri(stack.SimUrl).Host;
        using (var refused = await CallAsync(stack, remote, HttpMethod.Post, "/api/admin/data/delete", Users.Bob, await AppTokenAsync(stack, "app-user", Users.Bob), null, new JsonObject { ["confirm"] = siteName }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var unconfirmed = await CallAsync(stack, remote, HttpMethod.Post, "/api/admin/data/delete", Users.Alice, await AppTokenAsync(stack, "app-user", Users.Alice), null, new JsonObject()))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        }

        using var deleted = await CallAsync(stack, remote, HttpMethod.Post, "/api/admin/data/delete", Users.Alice, await AppTokenAsync(stack, "app-user", Users.Alice), null, new JsonObject { ["confirm"] = siteName });
        var deletedBody = await deleted.Content.ReadAsStringAsync(Ct);
        Assert.True(deleted.StatusCode == HttpStatusCode.OK, deletedBody);
        Assert.True(JsonNode.Parse(deletedBody)!["sessionsDeleted"]!.GetValue<int>() >= 1, deletedBody);

        using var summary = await CallAsync(stack, remote, HttpMethod.Get, "/api/admin/data", Users.Alice, await AppTokenAsync(stack, "app-user", Users.Alice), null, null);
        var after = JsonNode.Parse(await summary.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal((0, 0), (after["sessions"]!.GetValue<int>(), after["storedAccountIds"]!.GetValue<int>()));
    }

    [Fact]
    public Task AdminPage_AliceDeletesTheSitesDataWithATypedConfirmation_BobCannotOpenIt() =>
        fixture.RunAsync(async () =>
        {
            // Something to delete: a session Alice starts in the browser.
            var alice = await fixture.SignInAsync(Users.Alice, EstProjectPage);
            await FillNewSessionAsync(alice.ProjectApp, "Backlog", "EST-14");
            await alice.ProjectApp.Button("Start session").ClickAsync();
            await Expect(alice.ProjectApp.Heading("Planning poker")).ToBeVisibleAsync();

            await alice.Page.GetByRole(AriaRole.Navigation, new() { Name = "Apps administration" }).GetByRole(AriaRole.Link, new() { Name = "Estimo" }).ClickAsync();
            var admin = alice.Page.FrameLocator("iframe[title='Estimo']");
            await Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Data & privacy" })).ToBeVisibleAsync();
            var sessions = admin.GetByRole(AriaRole.Term).Filter(new() { HasText = "Sessions stored" }).Locator("xpath=following-sibling::dd[1]");
            await Expect(sessions).Not.ToHaveTextAsync("0");

            await admin.Button("Delete all Estimo data now…").ClickAsync();
            var dialog = admin.GetByRole(AriaRole.Dialog, new() { Name = "Delete all of this site's Estimo data?" });
            var siteName = new Uri(fixture.Stack.SimUrl).Host;
            await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Delete now" })).ToBeDisabledAsync();
            await dialog.GetByRole(AriaRole.Textbox).FillAsync(siteName);
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete now" }).ClickAsync();

            await Expect(admin.GetByRole(AriaRole.Status).Filter(new() { HasText = "Deleted:" })).ToBeVisibleAsync();
            await Expect(sessions).ToHaveTextAsync("0");

            // Bob is no site admin: no link in his navigation, and the page itself refuses him.
            var bob = await fixture.SignInAsync(Users.Bob, EstProjectPage);
            await Expect(bob.Page.GetByRole(AriaRole.Navigation, new() { Name = "Apps administration" })).ToHaveCountAsync(0);
            await bob.GotoAsync("/jira/settings/apps/estimo-admin-page");
            await Expect(bob.Page.GetByRole(AriaRole.Heading, new() { Name = "Access denied" })).ToBeVisibleAsync();
            await Expect(bob.Page.Locator("iframe[title='Estimo']")).ToHaveCountAsync(0);
        });

    private static HttpClient RemoteClient(EstimoProcesses stack) =>
#pragma warning disable CA2000 // The client owns the handler.
        new(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }) { BaseAddress = new Uri(stack.RemoteUrl) };
#pragma warning restore CA2000

    private static async Task<string> ViewAsync(EstimoProcesses stack, HttpClient remote, string sessionId)
    {
        using var response = await CallAsync(stack, remote, HttpMethod.Get, $"/api/sessions/{sessionId}", Users.Alice, null, null, null);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return text;
    }

    private static async Task<HttpResponseMessage> CallAsync(EstimoProcesses stack, HttpClient remote, HttpMethod method, string path, string accountId, string? userToken, string? systemToken, JsonNode? body)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await FitAsync(stack, accountId));
        if (userToken is not null)
        {
            request.Headers.Add("x-forge-oauth-user", userToken);
        }

        if (systemToken is not null)
        {
            request.Headers.Add("x-forge-oauth-system", systemToken);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await remote.SendAsync(request, Ct);
    }

    private static async Task<string> FitAsync(EstimoProcesses stack, string accountId)
    {
        using var response = await stack.Sim.PostAsJsonAsync(new Uri("/__sim/fit", UriKind.Relative), new { accountId, moduleKey = "estimo-project-page", projectKey = "EST" }, Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonNode>(Ct);
        Assert.True(response.IsSuccessStatusCode, $"POST /__sim/fit answered {(int)response.StatusCode}: {body}");
        return body!["token"]!.GetValue<string>();
    }

    private static async Task<string> AppTokenAsync(EstimoProcesses stack, string kind, string accountId)
    {
        using var response = await stack.Sim.PostAsJsonAsync(new Uri("/__sim/tokens", UriKind.Relative), new { accountId, kind }, Ct);
        var body = await response.Content.ReadFromJsonAsync<JsonNode>(Ct);
        Assert.True(response.IsSuccessStatusCode, $"POST /__sim/tokens answered {(int)response.StatusCode}: {body}");
        return body!["token"]!.GetValue<string>();
    }

    private static async Task<(string Id, string Key)> FirstBacklogIssueAsync(EstimoProcesses stack)
    {
        var backlog = await stack.JiraGetAsync(Users.Alice, "/rest/agile/1.0/board/1/backlog");
        var issue = backlog!["issues"]!.AsArray()[0]!;
        return (issue["id"]!.GetValue<string>(), issue["key"]!.GetValue<string>());
    }
}
