using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Estimo.Remote.Tests.Support;

namespace Estimo.Remote.Tests;

/// <summary>The session API of docs/api.md, through real HTTPS, with Jira asked as each user.</summary>
public sealed class SessionApiTests : RemoteTestBase
{
    private const string Facilitator = "5b10ac8d82e05b22cc7d4ef5";
    private const string Voter = "5b10a2844c20165700ede21g";
    private const string Outsider = "5b109f2e9729b51b54dc274d";
    private const string FacilitatorToken = "user-token-facilitator";
    private const string VoterToken = "user-token-voter";
    private const string ReaderToken = "user-token-reader";

    private JiraStub _jira = null!;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Sessions:LongPollTimeout"] = "00:00:02" };

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _jira = await JiraStub.StartAsync();
        _jira.Users[FacilitatorToken] = (true, ["10001", "10002", "10003"]);
        _jira.Users[VoterToken] = (false, ["10001", "10002"]);
        _jira.Users[ReaderToken] = (false, ["10001", "10002", "10003"]);
    }

    public override async ValueTask DisposeAsync()
    {
        await _jira.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Create_ByAnEditor_Is201_WithTheFacilitatorJoined()
    {
        using var response = await CreateAsync(FacilitatorToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var view = await ReadAsync(response);
        Assert.StartsWith("/api/sessions/", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(Facilitator, view["facilitatorAccountId"]!.GetValue<string>());
        Assert.True(view["viewerCanFacilitate"]!.GetValue<bool>());
        Assert.Equal("voter", view["viewerRole"]!.GetValue<string>());
        Assert.Equal("EST", view["projectKey"]!.GetValue<string>());
        Assert.Equal(3, view["issues"]!.AsArray().Count);
    }

    [Fact]
    public async Task Create_WithoutTheUsersToken_Is400_UserTokenRequired()
    {
        using var response = await CreateAsync(userToken: null);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "user_token_required");
    }

    [Fact]
    public async Task Create_ByAUserWhoCannotEdit_Is403()
    {
        using var response = await CreateAsync(ReaderToken, account: Voter);

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "no_edit_permission");
    }

    [Fact]
    public async Task Create_WithAnIssueTheUserCannotBrowse_Is403_NamingIt()
    {
        _jira.Users[FacilitatorToken] = (true, ["10001"]);

        using var response = await CreateAsync(FacilitatorToken);

        var problem = await AssertProblemAsync(response, HttpStatusCode.Forbidden, "issues_not_visible");
        Assert.Equal(["10002", "10003"], problem["issueIds"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public async Task Create_WithInvalidFields_Is400_ListingEachOne()
    {
        var body = CreateBody();
        body["deckId"] = "tarot";
        body["issues"] = new JsonArray();
        body["estimationFieldId"] = "Story Points";

        using var response = await SendAsync(HttpMethod.Post, "/api/sessions", Facilitator, body, FacilitatorToken);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "validation");
        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("deckId"));
        Assert.True(errors.ContainsKey("issues"));
        Assert.True(errors.ContainsKey("estimationFieldId"));
    }

    [Fact]
    public async Task MalformedJson_Is400()
    {
        using var request = Request(HttpMethod.Post, "/api/sessions", Facilitator, FacilitatorToken);
        request.Content = new StringContent("{\"projectKey\": ", Encoding.UTF8, "application/json");

        using var response = await Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task OversizedBody_Is413()
    {
        using var request = Request(HttpMethod.Post, "/api/sessions", Facilitator, FacilitatorToken);
        request.Content = new StringContent("{\"pad\":\"" + new string('x', 300 * 1024) + "\"}", Encoding.UTF8, "application/json");

        using var response = await Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Join_HidesTheIssuesJiraDoesNotLetTheVoterBrowse()
    {
        var id = await CreatedSessionAsync();

        using var join = await SendAsync(HttpMethod.Post, $"/api/sessions/{id}/join", Voter, new JsonObject { ["role"] = "voter" }, VoterToken);

        Assert.Equal(HttpStatusCode.OK, join.StatusCode);
        var text = await join.Content.ReadAsStringAsync(Ct);
        var view = JsonNode.Parse(text)!;
        Assert.Equal(1, view["hiddenIssueCount"]!.GetValue<int>());
        Assert.True(view["issues"]![2]!["hidden"]!.GetValue<bool>());
        Assert.DoesNotContain("EST-3", text, StringComparison.Ordinal);
        Assert.DoesNotContain("10003", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Votes_StayHiddenFromOthersUntilReveal_EvenInTheRawResponse()
    {
        var id = await CreatedSessionAsync(deck: "custom");
        await JoinAsync(id, Voter, VoterToken);

        using var vote = await SendAsync(HttpMethod.Post, $"/api/sessions/{id}/votes", Voter, new JsonObject { ["issueId"] = "10001", ["label"] = "Zq9" });
        Assert.Equal(HttpStatusCode.OK, vote.StatusCode);

        using var before = await SendAsync(HttpMethod.Get, $"/api/sessions/{id}", Facilitator);
        var beforeText = await before.Content.ReadAsStringAsync(Ct);

        // The card is in the deck list, of course; it must not appear anywhere in the issues.
        Assert.DoesNotContain("Zq9", JsonNode.Parse(beforeText)!["issues"]!.ToJsonString(), StringComparison.Ordinal);
        var voterEntry = JsonNode.Parse(beforeText)!["issues"]![0]!["rounds"]![0]!["votes"]!.AsArray().Single(v => v!["accountId"]!.GetValue<string>() == Voter)!;
        Assert.Null(voterEntry["label"]);

        using var reveal = await ActAsync(id, Facilitator, "reveal", JsonNode.Parse(beforeText)!["version"]!.GetValue<long>());
        var revealed = await reveal.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, reveal.StatusCode);
        Assert.Contains("Zq9", JsonNode.Parse(revealed)!["issues"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.NotNull(JsonNode.Parse(revealed)!["issues"]![0]!["rounds"]![0]!["statistics"]);
    }

    [Fact]
    public async Task RevealedStatistics_UseTheWireNamesOfTheContract()
    {
        // docs/api.md: suggestedLabel / suggestedValue / spreadSteps — the names the UI reads.
        var id = await CreatedSessionAsync();
        await JoinAsync(id, Voter, VoterToken);
        using var first = await SendAsync(HttpMethod.Post, $"/api/sessions/{id}/votes", Facilitator, new JsonObject { ["issueId"] = "10001", ["label"] = "5" });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var second = await SendAsync(HttpMethod.Post, $"/api/sessions/{id}/votes", Voter, new JsonObject { ["issueId"] = "10001", ["label"] = "8" });
        var version = (await ReadAsync(second))["version"]!.GetValue<long>();

        using var reveal = await ActAsync(id, Facilitator, "reveal", version);
        Assert.Equal(HttpStatusCode.OK, reveal.StatusCode);
        var statistics = (await ReadAsync(reveal))["issues"]![0]!["rounds"]![0]!["statistics"]!.AsObject();

        // Median 6.5 is as near to 5 as to 8; the higher card wins the tie (docs/poker-rules.md).
        Assert.Equal("8", statistics["suggestedLabel"]!.GetValue<string>());
        Assert.Equal(8m, statistics["suggestedValue"]!.GetValue<decimal>());
        Assert.Equal(1, statistics["spreadSteps"]!.GetValue<int>());
        Assert.False(statistics.ContainsKey("suggested"));
        Assert.False(statistics.ContainsKey("spreadInSteps"));
        foreach (var name in new[] { "count", "numericCount", "average", "median", "min", "max", "spread", "standardDeviation", "consensus", "nearConsensus", "distribution", "modes", "outlierLabels" })
        {
            Assert.True(statistics.ContainsKey(name), $"statistics lacks {name}: {statistics.ToJsonString()}");
        }
    }

    [Fact]
    public async Task Reveal_ByAVoterWhoIsNotFacilitator_Is403()
    {
        var id = await CreatedSessionAsync();
        await JoinAsync(id, Voter, VoterToken);

        using var response = await ActAsync(id, Voter, "reveal", expectedVersion: null);

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Action_WithAStaleVersion_Is409_WithTheCurrentView()
    {
        var id = await CreatedSessionAsync();
        await JoinAsync(id, Voter, VoterToken);

        using var response = await ActAsync(id, Facilitator, "next", expectedVersion: 1);

        var problem = await AssertProblemAsync(response, HttpStatusCode.Conflict, "conflict");
        Assert.True(problem["current"]!["version"]!.GetValue<long>() > 1);
    }

    [Fact]
    public async Task Vote_NotInTheDeck_Is400_InvalidVote()
    {
        var id = await CreatedSessionAsync();

        using var response = await SendAsync(HttpMethod.Post, $"/api/sessions/{id}/votes", Facilitator, new JsonObject { ["issueId"] = "10001", ["label"] = "7" });

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "invalid_vote");
    }

    [Fact]
    public async Task AnotherInstallation_CannotSeeOrTouchTheSession()
    {
        var id = await CreatedSessionAsync();
        const string otherInstallation = "ari:cloud:ecosystem::installation/99999999-1111-4222-8333-444444444444";

        using var get = await SendAsync(HttpMethod.Get, $"/api/sessions/{id}", Facilitator, installation: otherInstallation);
        using var vote = await SendAsync(HttpMethod.Post, $"/api/sessions/{id}/votes", Facilitator, new JsonObject { ["issueId"] = "10001", ["label"] = "5" }, installation: otherInstallation);
        using var list = await SendAsync(HttpMethod.Get, "/api/sessions?projectKey=EST", Facilitator, installation: otherInstallation);

        await AssertProblemAsync(get, HttpStatusCode.NotFound, "not_found");
        await AssertProblemAsync(vote, HttpStatusCode.NotFound, "not_found");
        Assert.Empty((await ReadAsync(list))["sessions"]!.AsArray());
    }

    [Fact]
    public async Task UnknownSession_Is404()
    {
        using var response = await SendAsync(HttpMethod.Get, "/api/sessions/does-not-exist", Facilitator);

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Get_BySomeoneWhoHasNotJoined_Is403()
    {
        var id = await CreatedSessionAsync();

        using var response = await SendAsync(HttpMethod.Get, $"/api/sessions/{id}", Outsider);

        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "not_joined");
    }

    [Fact]
    public async Task LongPoll_WakesOnAnotherParticipantsVote_AndOtherwiseAnswers204()
    {
        var id = await CreatedSessionAsync();
        await JoinAsync(id, Voter, VoterToken);
        using var current = await SendAsync(HttpMethod.Get, $"/api/sessions/{id}", Facilitator);
        var version = (await ReadAsync(current))["version"]!.GetValue<long>();

        var watch = Stopwatch.StartNew();
        using var idle = await SendAsync(HttpMethod.Get, $"/api/sessions/{id}?since={version}", Facilitator);
        Assert.Equal(HttpStatusCode.NoContent, idle.StatusCode);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.5), "the poll should have waited for the timeout");

        var poll = SendAsync(HttpMethod.Get, $"/api/sessions/{id}?since={version}", Facilitator);
        await Task.Delay(200, Ct);
        Assert.False(poll.IsCompleted);
        using var vote = await SendAsync(HttpMethod.Post, $"/api/sessions/{id}/votes", Voter, new JsonObject { ["issueId"] = "10001", ["label"] = "5" });
        using var woken = await poll;

        Assert.Equal(HttpStatusCode.OK, woken.StatusCode);
        var view = await ReadAsync(woken);
        Assert.True(view["version"]!.GetValue<long>() > version);
        Assert.Contains(view["issues"]![0]!["rounds"]![0]!["votes"]!.AsArray(), v => v!["accountId"]!.GetValue<string>() == Voter);
    }

    [Fact]
    public async Task Accept_RecordsTheEstimate_AndReturnsTheJiraHistoryRecord()
    {
        var id = await CreatedSessionAsync();
        using var vote = await SendAsync(HttpMethod.Post, $"/api/sessions/{id}/votes", Facilitator, new JsonObject { ["issueId"] = "10001", ["label"] = "8" });
        var version = (await ReadAsync(vote))["version"]!.GetValue<long>();
        using var reveal = await ActAsync(id, Facilitator, "reveal", version);
        version = (await ReadAsync(reveal))["version"]!.GetValue<long>();

        using var accept = await SendAsync(HttpMethod.Post, $"/api/sessions/{id}/accept", Facilitator, new JsonObject { ["issueId"] = "10001", ["label"] = "8", ["expectedVersion"] = version });

        Assert.Equal(HttpStatusCode.OK, accept.StatusCode);
        var body = await ReadAsync(accept);
        Assert.Equal("8", body["view"]!["issues"]![0]!["accepted"]!["label"]!.GetValue<string>());
        Assert.Equal("8", body["estimationRecord"]!["finalLabel"]!.GetValue<string>());
        Assert.Contains(Facilitator, body["estimationRecord"]!["participantAccountIds"]!.AsArray().Select(a => a!.GetValue<string>()));
    }

    [Fact]
    public async Task List_ShowsTheProjectsActiveSessions()
    {
        var id = await CreatedSessionAsync();

        using var response = await SendAsync(HttpMethod.Get, "/api/sessions?projectKey=EST&status=active", Facilitator);

        var sessions = (await ReadAsync(response))["sessions"]!.AsArray();
        var summary = Assert.Single(sessions)!;
        Assert.Equal(id, summary["id"]!.GetValue<string>());
        Assert.Equal(3, summary["issueCount"]!.GetValue<int>());
    }

    private static JsonObject CreateBody(string deck = "fibonacci")
    {
        var body = new JsonObject
        {
            ["projectKey"] = "EST",
            ["boardId"] = 1,
            ["source"] = new JsonObject { ["kind"] = "backlog" },
            ["issues"] = new JsonArray(
                new JsonObject { ["id"] = "10001", ["key"] = "EST-1" },
                new JsonObject { ["id"] = "10002", ["key"] = "EST-2" },
                new JsonObject { ["id"] = "10003", ["key"] = "EST-3" }),
            ["deckId"] = deck,
            ["estimationFieldId"] = "customfield_10016",
            ["mode"] = "live",
            ["autoReveal"] = false,
        };
        if (deck == "custom")
        {
            body["customCards"] = new JsonArray(
                new JsonObject { ["label"] = "1", ["value"] = 1 },
                new JsonObject { ["label"] = "Zq9", ["value"] = 2 });
        }

        return body;
    }

    private async Task<string> CreatedSessionAsync(string deck = "fibonacci")
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/sessions", Facilitator, CreateBody(deck), FacilitatorToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create answered {(int)response.StatusCode}; log: {Host.Log.Text}");
        return (await ReadAsync(response))["sessionId"]!.GetValue<string>();
    }

    private async Task JoinAsync(string id, string account, string token)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/api/sessions/{id}/join", account, new JsonObject { ["role"] = "voter" }, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private Task<HttpResponseMessage> CreateAsync(string? userToken, string account = Facilitator) =>
        SendAsync(HttpMethod.Post, "/api/sessions", account, CreateBody(), userToken);

    private Task<HttpResponseMessage> ActAsync(string id, string account, string action, long? expectedVersion)
    {
        var body = new JsonObject { ["action"] = action };
        if (expectedVersion is { } v)
        {
            body["expectedVersion"] = v;
        }

        return SendAsync(HttpMethod.Post, $"/api/sessions/{id}/actions", account, body);
    }

    private HttpRequestMessage Request(HttpMethod method, string path, string account, string? userToken = null, string installation = FitMinter.InstallationId)
    {
        var claims = FitMinter.Claims(DateTimeOffset.UtcNow, installationId: installation, accountId: account);
        claims["app"]!["apiBaseUrl"] = _jira.ApiBaseUrl.ToString();
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Minter.Mint(claims));
        if (userToken is not null)
        {
            request.Headers.Add("x-forge-oauth-user", userToken);
        }

        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string account, JsonNode? body = null, string? userToken = null, string installation = FitMinter.InstallationId)
    {
        using var request = Request(method, path, account, userToken, installation);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await Client.SendAsync(request, Ct);
    }

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonNode>(Ct))!;

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
