using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Estimo.Remote.Tests.Support;

namespace Estimo.Remote.Tests;

/// <summary>
/// The admin page's data API through real HTTPS: only a Jira site admin (asked of Jira as the
/// user) sees the summary or deletes; delete-now wants the site name typed; afterwards nothing
/// is stored, and the still-installed app starts afresh on its next session.
/// </summary>
public sealed class AdminDataApiTests : RemoteTestBase
{
    private const string Admin = "5b10ac8d82e05b22cc7d4ef5";
    private const string User = "5b10a2844c20165700ede21g";
    private const string AdminToken = "user-token-admin";
    private const string UserToken = "user-token-user";

    private JiraStub _jira = null!;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _jira = await JiraStub.StartAsync();

        // Only the admin's token holds the global ADMINISTER permission.
        _jira.Users[AdminToken] = (true, ["10001", "10002", "10003"]);
        _jira.Admins.Add(AdminToken);
        _jira.Users[UserToken] = (false, ["10001", "10002", "10003"]);
    }

    public override async ValueTask DisposeAsync()
    {
        await _jira.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Summary_ForASiteAdmin_CountsWhatIsStored_AndANonAdminIsRefused()
    {
        await CreateSessionAsync();

        using var summary = await SendAsync(HttpMethod.Get, "/api/admin/data", Admin, AdminToken);
        using var refused = await SendAsync(HttpMethod.Get, "/api/admin/data", User, UserToken);
        using var withoutToken = await SendAsync(HttpMethod.Get, "/api/admin/data", Admin, userToken: null);

        Assert.Equal(HttpStatusCode.OK, summary.StatusCode);
        var body = (await summary.Content.ReadFromJsonAsync<JsonNode>(Ct))!;
        Assert.Equal(1, body["sessions"]!.GetValue<int>());
        Assert.Equal(1, body["storedAccountIds"]!.GetValue<int>());
        Assert.Equal("acme.atlassian.net", body["siteName"]!.GetValue<string>());
        Assert.NotNull(body["oldestData"]);
        await AssertProblemAsync(refused, HttpStatusCode.Forbidden, "not_site_admin");
        await AssertProblemAsync(withoutToken, HttpStatusCode.BadRequest, "user_token_required");
    }

    [Fact]
    public async Task Delete_ByANonAdmin_Is403_AndDeletesNothing()
    {
        await CreateSessionAsync();

        using var refused = await SendAsync(HttpMethod.Post, "/api/admin/data/delete", User, UserToken, new JsonObject { ["confirm"] = "acme.atlassian.net" });

        await AssertProblemAsync(refused, HttpStatusCode.Forbidden, "not_site_admin");
        Assert.Equal(1, (await SummaryAsync())["sessions"]!.GetValue<int>());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("other.atlassian.net")]
    public async Task Delete_WithoutTheSiteNameTyped_Is400_AndDeletesNothing(string? confirm)
    {
        await CreateSessionAsync();

        using var response = await SendAsync(HttpMethod.Post, "/api/admin/data/delete", Admin, AdminToken, new JsonObject { ["confirm"] = confirm });

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "confirmation_required");
        Assert.Contains("acme.atlassian.net", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, (await SummaryAsync())["sessions"]!.GetValue<int>());
    }

    [Fact]
    public async Task Delete_Confirmed_DeletesEverythingNow_ThenTheAppStartsAfresh()
    {
        var sessionId = await CreateSessionAsync();

        using var deleted = await SendAsync(HttpMethod.Post, "/api/admin/data/delete", Admin, AdminToken, new JsonObject { ["confirm"] = " ACME.atlassian.net " });

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var result = (await deleted.Content.ReadFromJsonAsync<JsonNode>(Ct))!;
        Assert.Equal(1, result["sessionsDeleted"]!.GetValue<int>());
        Assert.Equal(1, result["accountIdsDeleted"]!.GetValue<int>());
        Assert.True(result["dataKeysDestroyed"]!.GetValue<int>() >= 1);
        var after = await SummaryAsync();
        Assert.Equal((0, 0), (after["sessions"]!.GetValue<int>(), after["storedAccountIds"]!.GetValue<int>()));
        Assert.NotNull(after["lastDeletedAt"]);
        using var gone = await SendAsync(HttpMethod.Get, $"/api/sessions/{sessionId}", Admin);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);

        // Still installed: the next session registers the installation again under a new data key.
        var fresh = await CreateSessionAsync();
        using var found = await SendAsync(HttpMethod.Get, $"/api/sessions/{fresh}", Admin);
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        Assert.Equal(1, (await SummaryAsync())["sessions"]!.GetValue<int>());
    }

    private async Task<JsonNode> SummaryAsync()
    {
        using var response = await SendAsync(HttpMethod.Get, "/api/admin/data", Admin, AdminToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonNode>(Ct))!;
    }

    private async Task<string> CreateSessionAsync()
    {
        var body = new JsonObject
        {
            ["projectKey"] = "EST",
            ["boardId"] = 1,
            ["source"] = new JsonObject { ["kind"] = "backlog" },
            ["issues"] = new JsonArray(new JsonObject { ["id"] = "10001", ["key"] = "EST-1" }),
            ["deckId"] = "fibonacci",
            ["estimationFieldId"] = "customfield_10016",
            ["mode"] = "live",
        };
        using var response = await SendAsync(HttpMethod.Post, "/api/sessions", Admin, AdminToken, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return (await response.Content.ReadFromJsonAsync<JsonNode>(Ct))!["sessionId"]!.GetValue<string>();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string account, string? userToken = null, JsonNode? body = null)
    {
        var claims = FitMinter.Claims(DateTimeOffset.UtcNow, accountId: account);
        claims["app"]!["apiBaseUrl"] = _jira.ApiBaseUrl.ToString();
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Minter.Mint(claims));
        if (userToken is not null)
        {
            request.Headers.Add("x-forge-oauth-user", userToken);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await Client.SendAsync(request, Ct);
    }

    private static async Task<JsonNode> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!;
        Assert.Equal(code, problem["code"]!.GetValue<string>());
        return problem;
    }
}
