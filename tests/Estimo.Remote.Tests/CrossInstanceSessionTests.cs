using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Estimo.Remote.Tests.Support;
using Estimo.Storage.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Estimo.Remote.Tests;

/// <summary>
/// Two remotes sharing one real PostgreSQL database, as behind a load balancer: a change made
/// through one reaches a long poll waiting on the other (LISTEN/NOTIFY). Needs the server named by
/// <c>ESTIMO_TEST_POSTGRES</c> (scripts/postgres-test-server.sh start); without it the tests are
/// skipped, unless <c>ESTIMO_REQUIRE_POSTGRES=1</c>, when they fail.
/// </summary>
public sealed class CrossInstanceSessionTests : IAsyncLifetime
{
    private const string Facilitator = "5b10ac8d82e05b22cc7d4ef5";
    private const string Voter = "5b10a2844c20165700ede21g";
    private const string FacilitatorToken = "user-token-facilitator";
    private const string VoterToken = "user-token-voter";

    private readonly FitMinter _minter = new();
    private JwksServer? _jwks;
    private JiraStub? _jira;
    private RemoteHost? _a;
    private RemoteHost? _b;
    private HttpClient? _clientA;
    private HttpClient? _clientB;
    private string? _serverConnectionString;
    private string? _databaseName;
    private string? _skipReason;
    private readonly string _keyDirectory = Path.Combine(Path.GetTempPath(), "estimo-cross-tests", Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var server = Environment.GetEnvironmentVariable("ESTIMO_TEST_POSTGRES");
        var required = Environment.GetEnvironmentVariable("ESTIMO_REQUIRE_POSTGRES") == "1";
        if (string.IsNullOrWhiteSpace(server))
        {
            _skipReason = "ESTIMO_TEST_POSTGRES is not set, so the cross-instance tests did not run. "
                + "Start a server with 'scripts/postgres-test-server.sh start' and set ESTIMO_TEST_POSTGRES to the connection string it prints.";
            if (required)
            {
                throw new InvalidOperationException("ESTIMO_REQUIRE_POSTGRES=1 but: " + _skipReason);
            }

            return;
        }

        _serverConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false, Timeout = 5 }.ConnectionString;
        _databaseName = $"estimo_cross_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(_serverConnectionString))
        {
            await connection.OpenAsync(Ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_databaseName}\"", connection);
            await create.ExecuteNonQueryAsync(Ct);
        }

        _jwks = await JwksServer.StartAsync(_minter.JwksJson());
        _jira = await JiraStub.StartAsync();
        _jira.Users[FacilitatorToken] = (true, ["10001", "10002", "10003"]);
        _jira.Users[VoterToken] = (false, ["10001", "10002", "10003"]);
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = new NpgsqlConnectionStringBuilder(server) { Database = _databaseName }.ConnectionString,
            ["Sessions:LongPollTimeout"] = "00:00:15",

            // Instances behind one load balancer share the key-encryption keys that wrap the
            // installations' data keys (with the local provider, one keyring file for both).
            ["Security:LocalKey:KeyringFile"] = Path.Combine(_keyDirectory, "keyring.json"),
            ["Security:LocalKey:KeyFile"] = Path.Combine(_keyDirectory, "local.key"),
        };

        // One after the other, so the two do not race to apply the migrations.
        _a = await RemoteHost.StartAsync(_jwks.JwksUrl, settings);
        _b = await RemoteHost.StartAsync(_jwks.JwksUrl, settings);
        _clientA = _a.CreateClient();
        _clientB = _b.CreateClient();
        await ListeningAsync(_a);
        await ListeningAsync(_b);
    }

    public async ValueTask DisposeAsync()
    {
        _clientA?.Dispose();
        _clientB?.Dispose();
        if (_a is not null)
        {
            await _a.DisposeAsync();
        }

        if (_b is not null)
        {
            await _b.DisposeAsync();
        }

        if (_jira is not null)
        {
            await _jira.DisposeAsync();
        }

        if (_jwks is not null)
        {
            await _jwks.DisposeAsync();
        }

        _minter.Dispose();
        if (Directory.Exists(_keyDirectory))
        {
            Directory.Delete(_keyDirectory, recursive: true);
        }

        if (_databaseName is not null && _serverConnectionString is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_serverConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_databaseName}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task AVoteThroughOneInstance_WakesALongPollWaitingOnTheOther()
    {
        SkipWithoutPostgres();
        var sessionId = await CreateAndJoinThroughAAsync();

        // The voter's browser talks to B: B loads the session and caches it.
        var before = await ReadAsync(await SendAsync(_clientB!, HttpMethod.Get, $"/api/sessions/{sessionId}", Voter));
        var since = before["version"]!.GetValue<long>();
        var poll = SendAsync(_clientB!, HttpMethod.Get, $"/api/sessions/{sessionId}?since={since}", Voter);

        using var vote = await SendAsync(_clientA!, HttpMethod.Post, $"/api/sessions/{sessionId}/votes", Facilitator, new JsonObject { ["issueId"] = "10001", ["label"] = "5" });
        Assert.Equal(HttpStatusCode.OK, vote.StatusCode);

        using var woken = await poll;
        Assert.Equal(HttpStatusCode.OK, woken.StatusCode);
        var after = await ReadAsync(woken);
        Assert.True(after["version"]!.GetValue<long>() > since);
        var votes = after["issues"]![0]!["rounds"]![0]!["votes"]!.AsArray();
        Assert.Contains(votes, v => v!["accountId"]!.GetValue<string>() == Facilitator);
    }

    [Fact]
    public async Task AfterAChangeThroughOneInstance_TheOtherAcceptsChangesOnTheNewVersion()
    {
        SkipWithoutPostgres();
        var sessionId = await CreateAndJoinThroughAAsync();
        var onB = await ReadAsync(await SendAsync(_clientB!, HttpMethod.Get, $"/api/sessions/{sessionId}", Facilitator));
        var poll = SendAsync(_clientB!, HttpMethod.Get, $"/api/sessions/{sessionId}?since={onB["version"]!.GetValue<long>()}", Facilitator);
        using (var vote = await SendAsync(_clientA!, HttpMethod.Post, $"/api/sessions/{sessionId}/votes", Voter, new JsonObject { ["issueId"] = "10001", ["label"] = "3" }))
        {
            Assert.Equal(HttpStatusCode.OK, vote.StatusCode);
        }

        var current = await ReadAsync(await poll);

        // The facilitator acts on B with the version B just announced: B holds no stale copy.
        using var reveal = await SendAsync(_clientB!, HttpMethod.Post, $"/api/sessions/{sessionId}/actions", Facilitator, new JsonObject
        {
            ["action"] = "reveal",
            ["expectedVersion"] = current["version"]!.GetValue<long>(),
        });
        Assert.Equal(HttpStatusCode.OK, reveal.StatusCode);
        var revealed = await ReadAsync(reveal);
        Assert.True(revealed["issues"]![0]!["rounds"]![0]!["isRevealed"]!.GetValue<bool>());
    }

    private void SkipWithoutPostgres()
    {
        if (_skipReason is not null)
        {
            Assert.Skip(_skipReason);
        }
    }

    private static async Task ListeningAsync(RemoteHost host)
    {
        var channel = Assert.IsType<PostgreSqlSessionChangeChannel>(host.Services.GetRequiredService<ISessionChangeChannel>());
        await channel.Listening.WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    private async Task<string> CreateAndJoinThroughAAsync()
    {
        using var created = await SendAsync(_clientA!, HttpMethod.Post, "/api/sessions", Facilitator, CreateBody(), FacilitatorToken);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var sessionId = (await ReadAsync(created))["sessionId"]!.GetValue<string>();
        using var joined = await SendAsync(_clientA!, HttpMethod.Post, $"/api/sessions/{sessionId}/join", Voter, new JsonObject { ["role"] = "voter" }, VoterToken);
        Assert.Equal(HttpStatusCode.OK, joined.StatusCode);
        return sessionId;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string account, JsonNode? body = null, string? userToken = null)
    {
        var claims = FitMinter.Claims(DateTimeOffset.UtcNow, accountId: account);
        claims["app"]!["apiBaseUrl"] = _jira!.ApiBaseUrl.ToString();
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _minter.Mint(claims));
        if (userToken is not null)
        {
            request.Headers.Add("x-forge-oauth-user", userToken);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await client.SendAsync(request, Ct);
    }

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
            return JsonNode.Parse(text)!;
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
        ["deckId"] = "fibonacci",
        ["estimationFieldId"] = "customfield_10016",
        ["mode"] = "live",
        ["autoReveal"] = false,
    };
}
