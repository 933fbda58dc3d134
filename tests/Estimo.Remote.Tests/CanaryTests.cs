using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Estimo.Remote.Tests.Support;

namespace Estimo.Remote.Tests;

/// <summary>
/// The never-logged proof. Every secret, token and Jira-like string the scenarios use is a
/// registered canary; the remote runs the lifecycle, a whole session (create, join, vote, long
/// poll, reveal, accept) and FIT failures with logs going to the formatter (what the console
/// writes), a rolling file and a local Elasticsearch; then every log line, every shipped
/// document, every byte left in the log buffer, every metric label on the management endpoint
/// and every error body is searched, and no canary may appear.
/// </summary>
public sealed class CanaryTests : IAsyncLifetime
{
    private const string Facilitator = "5b10ac8d82e05b22cc7d4ef5";
    private const string Voter = "5b10a2844c20165700ede21g";

    private readonly List<string> _canaries = [];
    private readonly List<string> _logOnlyCanaries = [];
    private readonly List<(string Where, string Text)> _errorBodies = [];
    private readonly string _root = Path.Combine(Path.GetTempPath(), "estimo-canary-tests", Guid.NewGuid().ToString("N"));
    private readonly FitMinter _minter = new();
    private JwksServer _jwks = null!;
    private JiraStub _jira = null!;
    private ElasticsearchStub _elastic = null!;
    private RemoteHost _host = null!;
    private HttpClient _client = null!;
    private string _facilitatorToken = null!;
    private string _voterToken = null!;
    private string _systemToken = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string LogFile => Path.Combine(_root, "logs", "remote-.log");

    private string BufferDirectory => Path.Combine(_root, "log-buffer");

    public async ValueTask InitializeAsync()
    {
        var now = DateTimeOffset.UtcNow;
        _facilitatorToken = Canary(FitMinter.FakeOAuthToken(now.AddHours(1), "facilitator"));
        _voterToken = Canary(FitMinter.FakeOAuthToken(now.AddHours(1), "voter"));
        _systemToken = Canary(FitMinter.FakeOAuthToken(now.AddHours(1), "system"));
        Canary(ElasticsearchStub.ApiKey);
        Canary("127.0.0.1");

        _jwks = await JwksServer.StartAsync(_minter.JwksJson());
        _jira = await JiraStub.StartAsync();
        _jira.Users[_facilitatorToken] = (true, ["10001", "10002"]);
        _jira.Users[_voterToken] = (false, ["10001", "10002"]);
        _elastic = await ElasticsearchStub.StartAsync();
        _host = await RemoteHost.StartAsync(_jwks.JwksUrl, new Dictionary<string, string?>
        {
            ["Sessions:LongPollTimeout"] = "00:00:03",
            ["Logs:FilePath"] = LogFile,
            ["Logs:Level"] = "Debug",
            ["Logs:Elasticsearch:Url"] = _elastic.Url.ToString(),
            ["Logs:Elasticsearch:ApiKey"] = ElasticsearchStub.ApiKey,
            ["Logs:Elasticsearch:BufferDirectory"] = BufferDirectory,
            ["Logs:Elasticsearch:FlushInterval"] = "00:00:00.200",
            ["Logs:Elasticsearch:MaxRetryDelay"] = "00:00:01",
        });
        _client = _host.CreateClient();

        // The key-encryption keys of the local keyring are secrets too (the keyring is created
        // on first use, so make the remote use it once before reading it).
        await RegisterKeyringCanariesAsync();
    }

    private async Task RegisterKeyringCanariesAsync()
    {
        var keyring = Path.Combine(_host.Root, "keys", "keyring.json");
        for (var waited = 0; !File.Exists(keyring) && waited < 100; waited++)
        {
            await Task.Delay(50, Ct);
        }

        using var document = System.Text.Json.JsonDocument.Parse(await File.ReadAllBytesAsync(keyring, Ct));
        foreach (var entry in document.RootElement.GetProperty("keys").EnumerateArray())
        {
            var key = Convert.FromBase64String(entry.GetProperty("key").GetString()!);
            Canary(Convert.ToBase64String(key));
            Canary(Convert.ToHexString(key));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
        await _elastic.DisposeAsync();
        await _jira.DisposeAsync();
        await _jwks.DisposeAsync();
        _minter.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    [Fact]
    public async Task TheScenarios_LeaveNoCanary_InAnyLogLineMetricLabelOrErrorBody()
    {
        var summary = Canary("Canary summary: refit the Zephyrine-77 heat shield");
        var description = Canary("Canary description with steps to reproduce the quasar fault");
        var comment = Canary("Canary comment: ship it before the Marigold review");
        var jql = Canary("project = EST AND text ~ \"canary-jql-needle-4411\"");
        var displayName = Canary("Quixote Canarywing");
        var email = Canary("quixote.canarywing@acme.example");
        // A card label is in every view's deck list, by design; a vote value must still never
        // reach a log line or a metric label (SessionApiTests proves views hide it before reveal).
        const string hiddenVote = "Qv7x";
        _logOnlyCanaries.Add(hiddenVote);

        // Lifecycle: the app is installed (with the system token Forge sends).
        var installed = new JsonObject
        {
            ["eventType"] = "avi:forge:installed:app",
            ["id"] = "3b0f9d54-6a1e-4c2b-8f7d-9e0a1b2c3d4e",
            ["context"] = $"ari:cloud:jira::site/{FitMinter.CloudId}",
            ["app"] = new JsonObject { ["id"] = FitMinter.AppUuid, ["version"] = "2.1.0" },
            ["environment"] = new JsonObject { ["id"] = "e1a2b3c4-d5e6-47f8-9a0b-c1d2e3f4a5b6" },
            ["installerAccountId"] = Facilitator,
            ["installerDisplayName"] = displayName,
        };
        using (var response = await SendAsync(HttpMethod.Post, "/forge/lifecycle", account: null, installed, system: _systemToken))
        {
            Assert.True(response.IsSuccessStatusCode, $"install answered {(int)response.StatusCode}");
        }

        // A create carrying Jira content it should never have been sent, and a JQL in the query.
        var create = CreateBody();
        create["summary"] = summary;
        create["description"] = description;
        create["comment"] = comment;
        create["jql"] = jql;
        create["displayName"] = displayName;
        create["email"] = email;
        string sessionId;
        using (var response = await SendAsync(HttpMethod.Post, "/api/sessions?jql=" + Uri.EscapeDataString(jql), Facilitator, create, _facilitatorToken, _systemToken))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            sessionId = (await response.Content.ReadFromJsonAsync<JsonNode>(Ct))!["sessionId"]!.GetValue<string>();
        }

        using (var join = await SendAsync(HttpMethod.Post, $"/api/sessions/{sessionId}/join", Voter, new JsonObject { ["role"] = "voter" }, _voterToken))
        {
            Assert.Equal(HttpStatusCode.OK, join.StatusCode);
        }

        // The facilitator long-polls; the voter's hidden vote wakes it (fan-out).
        long version;
        using (var current = await SendAsync(HttpMethod.Get, $"/api/sessions/{sessionId}", Facilitator))
        {
            version = (await current.Content.ReadFromJsonAsync<JsonNode>(Ct))!["version"]!.GetValue<long>();
        }

        var poll = SendAsync(HttpMethod.Get, $"/api/sessions/{sessionId}?since={version}", Facilitator);
        using (var vote = await SendAsync(HttpMethod.Post, $"/api/sessions/{sessionId}/votes", Voter, new JsonObject { ["issueId"] = "10001", ["label"] = hiddenVote }))
        {
            Assert.Equal(HttpStatusCode.OK, vote.StatusCode);
        }

        using (var woken = await poll)
        {
            version = (await woken.Content.ReadFromJsonAsync<JsonNode>(Ct))!["version"]!.GetValue<long>();
        }

        using (var vote = await SendAsync(HttpMethod.Post, $"/api/sessions/{sessionId}/votes", Facilitator, new JsonObject { ["issueId"] = "10001", ["label"] = hiddenVote }))
        {
            version = (await vote.Content.ReadFromJsonAsync<JsonNode>(Ct))!["version"]!.GetValue<long>();
        }

        using (var reveal = await SendAsync(HttpMethod.Post, $"/api/sessions/{sessionId}/actions", Facilitator, new JsonObject { ["action"] = "reveal", ["expectedVersion"] = version }))
        {
            Assert.Equal(HttpStatusCode.OK, reveal.StatusCode);
            version = (await reveal.Content.ReadFromJsonAsync<JsonNode>(Ct))!["version"]!.GetValue<long>();
        }

        using (var accept = await SendAsync(HttpMethod.Post, $"/api/sessions/{sessionId}/accept", Facilitator, new JsonObject { ["issueId"] = "10001", ["label"] = hiddenVote, ["expectedVersion"] = version }))
        {
            Assert.Equal(HttpStatusCode.OK, accept.StatusCode);
        }

        // Refusals: a vote not in the deck, a stale version, malformed JSON holding Jira text,
        // and a user token Jira does not know.
        using (await SendAsync(HttpMethod.Post, $"/api/sessions/{sessionId}/votes", Voter, new JsonObject { ["issueId"] = "10001", ["label"] = summary }))
        using (await SendAsync(HttpMethod.Post, $"/api/sessions/{sessionId}/actions", Facilitator, new JsonObject { ["action"] = "next", ["expectedVersion"] = 1 }))
        using (await SendRawAsync("/api/sessions", Facilitator, "{\"summary\": \"" + summary + "\", \"jql\": " + jql))
        using (await SendAsync(HttpMethod.Post, "/api/sessions", Facilitator, CreateBody(), Canary(FitMinter.FakeOAuthToken(DateTimeOffset.UtcNow.AddHours(1), "stranger"))))
        {
        }

        // FIT failures, each with OAuth headers and a token in the query string.
        var now = DateTimeOffset.UtcNow;
        var expiredClaims = FitMinter.Claims(now);
        expiredClaims["exp"] = now.AddMinutes(-5).ToUnixTimeSeconds();
        var valid = Mint(FitMinter.Claims(now));
        var badFits = new[]
        {
            Mint(expiredClaims),
            Canary(valid[..^6] + "AAAAAA"),
            Mint(FitMinter.Claims(now, audience: "ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000000")),
            Canary("Zm9vYmFyYmF6cXV4.cXV4cXV1eHF1dXg.cXV1eGNhbmFyeQ"),
            valid,
            valid,
        };
        foreach (var fit in badFits)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me?token=" + Uri.EscapeDataString(fit) + "&email=" + Uri.EscapeDataString(email));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fit);
            request.Headers.Add("x-forge-oauth-user", _voterToken);
            request.Headers.Add("x-forge-oauth-system", _systemToken);
            using var response = await _client.SendAsync(request, Ct);
            await CollectErrorBodyAsync("GET /api/me", response);
        }

        // Let the request log, the file and the shipper catch up, then collect everything.
        var logLines = await SettledLogAsync();
        var shipped = await ShippedAsync(logLines.Count);
        string metrics;
        using (var management = _host.CreateManagementClient())
        {
            metrics = await management.GetStringAsync("/metrics", Ct);
        }

        var haystacks = new List<(string Where, string Text)>
        {
            ("formatted log (console format)", string.Join('\n', logLines)),
            ("log file", ReadAll(Path.Combine(_root, "logs"))),
            ("shipped to Elasticsearch", shipped),
            ("log buffer on disk", ReadAll(BufferDirectory)),
            ("metrics", metrics),
        };
        haystacks.AddRange(_errorBodies);

        // The collection really happened.
        Assert.Contains("/api/sessions/{sessionId}/votes", haystacks[0].Text, StringComparison.Ordinal);
        Assert.Contains("/api/sessions/{sessionId}/votes", haystacks[1].Text, StringComparison.Ordinal);
        Assert.Contains("/api/sessions/{sessionId}/votes", haystacks[2].Text, StringComparison.Ordinal);
        Assert.Contains("estimo_fit_rejections_total", metrics, StringComparison.Ordinal);
        Assert.Contains("estimo_realtime_fanout_duration_seconds", metrics, StringComparison.Ordinal);
        Assert.Contains("estimo_jira_calls_total", metrics, StringComparison.Ordinal);
        Assert.Contains("estimo_logs_buffer_bytes", metrics, StringComparison.Ordinal);
        Assert.Contains("estimo_logs_queue_dropped_total", metrics, StringComparison.Ordinal);
        Assert.Contains("http_route=\"/api/sessions/{sessionId}/votes\"", metrics, StringComparison.Ordinal);
        Assert.True(_errorBodies.Count >= 8, $"only {_errorBodies.Count} error bodies collected");

        foreach (var (where, text) in haystacks.Where(h => !h.Where.StartsWith("error body", StringComparison.Ordinal)))
        {
            foreach (var vote in _logOnlyCanaries)
            {
                Assert.False(text.Contains("\"" + vote + "\"", StringComparison.Ordinal) || text.Contains(" " + vote + " ", StringComparison.Ordinal), $"a vote value found in {where}");
            }
        }

        foreach (var (where, text) in haystacks)
        {
            for (var i = 0; i < _canaries.Count; i++)
            {
                foreach (var needle in Needles(_canaries[i]))
                {
                    Assert.False(text.Contains(needle, StringComparison.Ordinal), $"canary #{i} ({Describe(_canaries[i])}) found in {where}");
                }
            }
        }
    }

    private string Canary(string value)
    {
        _canaries.Add(value);
        return value;
    }

    private string Mint(JsonObject claims) => Canary(_minter.Mint(claims));

    /// <summary>The whole value, and each long part of a token (a leaked half is still a leak).</summary>
    private static IEnumerable<string> Needles(string canary)
    {
        yield return canary;
        foreach (var part in canary.Split('.', '=').Where(p => p.Length >= 12 && p != canary))
        {
            yield return part;
        }
    }

    private static string Describe(string canary) => canary.Length <= 12 ? "short value" : canary[..6] + "…";

    private async Task<List<string>> SettledLogAsync()
    {
        var count = -1;
        for (var i = 0; i < 100 && _host.Log.Lines.Count != count; i++)
        {
            count = _host.Log.Lines.Count;
            await Task.Delay(300, Ct);
        }

        return [.. _host.Log.Lines];
    }

    private async Task<string> ShippedAsync(int atLeast)
    {
        await _elastic.WaitForDocumentsAsync(atLeast, TimeSpan.FromSeconds(30));
        Assert.True(
            _elastic.Documents.Count >= atLeast,
            $"{_elastic.Documents.Count} of {atLeast} events shipped in {_elastic.Requests.Count} requests; warnings: "
                + string.Join('\n', _host.Log.Lines.Where(l => l.Contains("\"warn\"", StringComparison.Ordinal) || l.Contains("\"error\"", StringComparison.Ordinal))));
        return string.Join('\n', _elastic.Requests.Select(r => r.Body));
    }

    private static string ReadAll(string directory)
    {
        var text = new StringBuilder();
        if (Directory.Exists(directory))
        {
            foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                text.Append(reader.ReadToEnd()).Append('\n');
            }
        }

        return text.ToString();
    }

    private async Task CollectErrorBodyAsync(string where, HttpResponseMessage response)
    {
        if ((int)response.StatusCode >= 400)
        {
            _errorBodies.Add(($"error body of {where} ({(int)response.StatusCode})", await response.Content.ReadAsStringAsync(Ct)));
        }
    }

    private static JsonObject CreateBody() => new()
    {
        ["projectKey"] = "EST",
        ["boardId"] = 1,
        ["source"] = new JsonObject { ["kind"] = "backlog" },
        ["issues"] = new JsonArray(
            new JsonObject { ["id"] = "10001", ["key"] = "EST-1" },
            new JsonObject { ["id"] = "10002", ["key"] = "EST-2" }),
        ["deckId"] = "custom",
        ["customCards"] = new JsonArray(
            new JsonObject { ["label"] = "1", ["value"] = 1 },
            new JsonObject { ["label"] = "Qv7x", ["value"] = 2 }),
        ["estimationFieldId"] = "customfield_10016",
        ["mode"] = "live",
        ["autoReveal"] = false,
    };

    private HttpRequestMessage Request(HttpMethod method, string path, string? account, string? userToken, string? system)
    {
        var claims = FitMinter.Claims(DateTimeOffset.UtcNow, accountId: account);
        claims["app"]!["apiBaseUrl"] = _jira.ApiBaseUrl.ToString();
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Mint(claims));
        if (userToken is not null)
        {
            request.Headers.Add("x-forge-oauth-user", userToken);
        }

        if (system is not null)
        {
            request.Headers.Add("x-forge-oauth-system", system);
        }

        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? account, JsonNode? body = null, string? userToken = null, string? system = null)
    {
        using var request = Request(method, path, account, userToken, system);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        var response = await _client.SendAsync(request, Ct);
        await CollectErrorBodyAsync($"{method} {path}", response);
        return response;
    }

    private async Task<HttpResponseMessage> SendRawAsync(string path, string account, string json)
    {
        using var request = Request(HttpMethod.Post, path, account, _facilitatorToken, null);
        request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        var response = await _client.SendAsync(request, Ct);
        await CollectErrorBodyAsync($"POST {path} (malformed)", response);
        return response;
    }
}
