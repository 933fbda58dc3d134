using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Estimo.Simulator.Tests;

/// <summary>The simulated Forge platform: FITs, lifecycle events, invokeRemote, uninstall, remote certificate trust.</summary>
public sealed class ForgeTests
{
    private const string AppAri = "ari:cloud:ecosystem::app/6f1d2c8e-4b7a-4f3e-9a51-2d8c0e7b9f14";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> RemoteSettings(FakeRemote remote, bool trust = true) => new()
    {
        ["Simulator:Remote:BaseUrl"] = remote.BaseUrl,
        ["Simulator:Remote:TrustCertificateThumbprint"] = trust ? remote.Thumbprint : null,
        ["Simulator:EventRetryDelay"] = "00:00:00.050",
        ["Simulator:EventMaxRetries"] = "4",
    };

    /// <summary>Validates a FIT independently of the simulator: only its published JWKS, RS256, iss, aud and lifetime.</summary>
    private static async Task<JsonObject> ValidateFitAsync(RunningSimulator sim, string token)
    {
        var jwks = await sim.Http.GetStringAsync("/.well-known/jwks.json", Ct);
        var keys = new JsonWebKeySet(jwks);
        Assert.All(keys.Keys, k => Assert.False(string.IsNullOrEmpty(k.Kid)));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = "forge/invocation-token",
            ValidAudience = AppAri,
            IssuerSigningKeys = keys.GetSigningKeys(),
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ClockSkew = TimeSpan.FromSeconds(5),
            RequireExpirationTime = true,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        var payload = token.Split('.')[1];
        var bytes = Convert.FromBase64String(payload.Replace('-', '+').Replace('_', '/').PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '='));
        return JsonNode.Parse(Encoding.UTF8.GetString(bytes))!.AsObject();
    }

    [Fact]
    public async Task Fit_IsSignedWithThePublishedKey_AndCarriesForgeClaims()
    {
        await using var sim = await RunningSimulator.StartAsync();
        var installed = await sim.PostAdminAsync("/__sim/install");
        var installationId = installed["installationId"]!.GetValue<string>();
        using var response = await sim.Http.PostAsJsonAsync("/__sim/fit", new { accountId = Users.Bob, moduleKey = "estimo-issue-panel", issueKey = "EST-3" }, Ct);
        var token = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["token"]!.GetValue<string>();

        var claims = await ValidateFitAsync(sim, token);
        Assert.Equal(Users.Bob, claims["principal"]!.GetValue<string>());
        Assert.Equal(installationId, claims["app"]!["installationId"]!.GetValue<string>());
        Assert.Equal(AppAri, claims["app"]!["id"]!.GetValue<string>());
        Assert.Equal($"{sim.BaseUrl}/ex/jira/{Jira.SeedData.CloudId}", claims["app"]!["apiBaseUrl"]!.GetValue<string>());
        Assert.Equal("jira:issuePanel", claims["app"]!["module"]!["type"]!.GetValue<string>());
        Assert.Equal("DEVELOPMENT", claims["app"]!["environment"]!["type"]!.GetValue<string>());
        Assert.True(claims["app"]!["license"]!["isActive"]!.GetValue<bool>());
        Assert.Equal(Jira.SeedData.CloudId, claims["context"]!["cloudId"]!.GetValue<string>());
        Assert.Equal("EST-3", claims["context"]!["extension"]!["issue"]!["key"]!.GetValue<string>());
        Assert.Equal(25, claims["exp"]!.GetValue<long>() - claims["iat"]!.GetValue<long>());
        Assert.Equal(claims["iat"]!.GetValue<long>(), claims["nbf"]!.GetValue<long>());
        Assert.False(string.IsNullOrEmpty(claims["jti"]!.GetValue<string>()));

        using var second = await sim.Http.PostAsJsonAsync("/__sim/fit", new { accountId = Users.Bob, moduleKey = "estimo-issue-panel", issueKey = "EST-3" }, Ct);
        var other = await ValidateFitAsync(sim, (await second.Content.ReadFromJsonAsync<JsonObject>(Ct))!["token"]!.GetValue<string>());
        Assert.NotEqual(claims["jti"]!.GetValue<string>(), other["jti"]!.GetValue<string>());
    }

    [Fact]
    public async Task Fit_FromAnotherSimulator_FailsValidation()
    {
        await using var first = await RunningSimulator.StartAsync();
        await using var second = await RunningSimulator.StartAsync();
        await second.PostAdminAsync("/__sim/install");
        using var response = await second.Http.PostAsJsonAsync("/__sim/fit", new { accountId = Users.Bob, moduleKey = "estimo-project-page", projectKey = "EST" }, Ct);
        var token = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["token"]!.GetValue<string>();
        var keys = new JsonWebKeySet(await first.Http.GetStringAsync("/.well-known/jwks.json", Ct));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = "forge/invocation-token",
            ValidAudience = AppAri,
            IssuerSigningKeys = keys.GetSigningKeys(),
        });
        Assert.False(result.IsValid);
    }

    [Fact]
    public async Task Install_DeliversASignedInstalledEvent_WithAWorkingSystemToken()
    {
        await using var remote = await FakeRemote.StartAsync();
        await using var sim = await RunningSimulator.StartAsync(RemoteSettings(remote));

        var result = await sim.PostAdminAsync("/__sim/install");
        var installationId = result["installationId"]!.GetValue<string>();
        Assert.True(result["deliveries"]![0]!["delivered"]!.GetValue<bool>(), result.ToJsonString());

        var call = Assert.Single(remote.Calls);
        Assert.Equal("POST", call.Method);
        Assert.Equal("/forge/lifecycle", call.Path);
        var body = JsonNode.Parse(call.Body)!;
        Assert.Equal("avi:forge:installed:app", body["eventType"]!.GetValue<string>());
        Assert.Equal(installationId, body["id"]!.GetValue<string>());
        Assert.Equal(AppAri, body["app"]!["id"]!.GetValue<string>());

        var claims = await ValidateFitAsync(sim, call.Headers["authorization"]["Bearer ".Length..]);
        Assert.Equal(installationId, claims["app"]!["installationId"]!.GetValue<string>());
        Assert.Null(claims["principal"]);
        Assert.False(call.Headers.ContainsKey("x-forge-oauth-user"));

        using var asApp = new HttpClient();
        asApp.DefaultRequestHeaders.Authorization = new("Bearer", call.Headers["x-forge-oauth-system"]);
        var myself = await asApp.GetFromJsonAsync<JsonObject>(claims["app"]!["apiBaseUrl"]!.GetValue<string>() + "/rest/api/3/myself", Ct);
        Assert.Equal("app", myself!["accountType"]!.GetValue<string>());
    }

    [Fact]
    public async Task Install_RemoteFailing_IsRetriedWithRetryContext()
    {
        await using var remote = await FakeRemote.StartAsync();
        remote.FailuresBeforeSuccess = 2;
        await using var sim = await RunningSimulator.StartAsync(RemoteSettings(remote));
        var result = await sim.PostAdminAsync("/__sim/install");
        var delivery = result["deliveries"]![0]!;
        Assert.True(delivery["delivered"]!.GetValue<bool>());
        Assert.Equal(3, delivery["attempts"]!.GetValue<int>());
        var bodies = remote.Calls.Select(c => JsonNode.Parse(c.Body)!).ToList();
        Assert.Null(bodies[0]["retryContext"]);
        Assert.Equal(2, bodies[2]["retryContext"]!["retryCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task Install_WithAnUntrustedCertificate_IsNotDelivered()
    {
        await using var remote = await FakeRemote.StartAsync();
        var settings = RemoteSettings(remote, trust: false);
        settings["Simulator:EventMaxRetries"] = "0";
        await using var sim = await RunningSimulator.StartAsync(settings);
        var result = await sim.PostAdminAsync("/__sim/install");
        Assert.False(result["deliveries"]![0]!["delivered"]!.GetValue<bool>());
        Assert.Empty(remote.Calls);
    }

    [Fact]
    public async Task Install_LoopbackCertificateAllowedExplicitly_IsDelivered()
    {
        await using var remote = await FakeRemote.StartAsync();
        var settings = RemoteSettings(remote, trust: false);
        settings["Simulator:Remote:AllowUntrustedLoopbackCertificate"] = "true";
        await using var sim = await RunningSimulator.StartAsync(settings);
        var result = await sim.PostAdminAsync("/__sim/install");
        Assert.True(result["deliveries"]![0]!["delivered"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Upgrade_SendsUpgradedEvent_WithTheNewMajorVersion()
    {
        await using var remote = await FakeRemote.StartAsync();
        await using var sim = await RunningSimulator.StartAsync(RemoteSettings(remote));
        await sim.PostAdminAsync("/__sim/install");
        var result = await sim.PostAdminAsync("/__sim/upgrade");
        Assert.Equal("2.0.0", result["version"]!.GetValue<string>());
        var body = JsonNode.Parse(remote.Calls.Last().Body)!;
        Assert.Equal("avi:forge:upgraded:app", body["eventType"]!.GetValue<string>());
        Assert.Equal("2.0.0", body["app"]!["version"]!.GetValue<string>());

        var fired = await sim.PostAdminAsync("/__sim/trigger/estimo-lifecycle");
        Assert.True(fired["delivered"]!.GetValue<bool>());
    }

    [Fact]
    public async Task InvokeRemote_SendsFitAndUserToken_ThatActsAsTheSignedInUser()
    {
        await using var remote = await FakeRemote.StartAsync();
        await using var sim = await RunningSimulator.StartAsync(RemoteSettings(remote));
        remote.JiraBase = $"{sim.BaseUrl}/ex/jira/{Jira.SeedData.CloudId}";
        await sim.PostAdminAsync("/__sim/install");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/__sim/bridge/invoke")
        {
            Content = JsonContent.Create(new
            {
                location = new { moduleKey = "estimo-issue-panel", issueKey = "EST-2" },
                path = "/api/me",
                method = "POST",
                headers = new Dictionary<string, string> { ["x-custom"] = "1", ["authorization"] = "forged" },
                body = new { hello = "remote" },
            }),
        };
        request.Headers.Add("X-Estimo-Sim", "1");
        request.Headers.Add("Cookie", $"estimo_sim_user={Users.Bob}");
        using var response = await sim.Http.SendAsync(request, Ct);
        var result = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;

        Assert.True(result["success"]!.GetValue<bool>(), result.ToJsonString());
        var payload = result["payload"]!;
        Assert.Equal(200, payload["status"]!.GetValue<int>());
        Assert.Equal(200, payload["body"]!["myselfStatus"]!.GetValue<int>());
        Assert.Equal(Users.Bob, payload["body"]!["myself"]!["accountId"]!.GetValue<string>());
        Assert.Equal("remote", payload["body"]!["echo"]!["hello"]!.GetValue<string>());
        Assert.IsType<JsonArray>(payload["headers"]!["content-type"]);

        var call = remote.Calls.Single(c => c.Path == "/api/me");
        Assert.Equal("1", call.Headers["x-custom"]);
        var claims = await ValidateFitAsync(sim, call.Headers["authorization"]["Bearer ".Length..]);
        Assert.Equal(Users.Bob, claims["principal"]!.GetValue<string>());
        Assert.True(call.Headers.ContainsKey("x-forge-oauth-system"));
    }

    [Fact]
    public async Task Uninstall_MakesTheAppsTokensStopWorking_ButNotUserSessions()
    {
        await using var sim = await RunningSimulator.StartAsync();
        await sim.PostAdminAsync("/__sim/install");
        using var appAsBob = await sim.AsUserAsync(Users.Bob, "app-user");
        using var appItself = await sim.AsUserAsync(Users.Bob, "app-system");
        using var bobInBrowser = await sim.AsUserAsync(Users.Bob);
        Assert.Equal(HttpStatusCode.OK, (await appAsBob.GetAsync("/rest/api/3/myself", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await appItself.GetAsync("/rest/api/3/myself", Ct)).StatusCode);

        var result = await sim.PostAdminAsync("/__sim/uninstall");
        Assert.True(result["revokedTokens"]!.GetValue<int>() >= 2);

        Assert.Equal(HttpStatusCode.Unauthorized, (await appAsBob.GetAsync("/rest/api/3/myself", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await appItself.GetAsync("/rest/api/3/myself", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bobInBrowser.GetAsync("/rest/api/3/myself", Ct)).StatusCode);

        var reinstalled = await sim.PostAdminAsync("/__sim/install");
        Assert.NotNull(reinstalled["installationId"]);
    }

    [Fact]
    public async Task RateLimit_Exceeded_Is429WithRetryAfter_PerUser()
    {
        await using var sim = await RunningSimulator.StartAsync(new Dictionary<string, string?> { ["Simulator:RateLimitPerMinute"] = "3" });
        using var bob = await sim.AsUserAsync(Users.Bob);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync("/rest/api/3/myself", Ct)).StatusCode);
        }
        using var limited = await bob.GetAsync("/rest/api/3/myself", Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var retryAfter = int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.NotEmpty((await limited.Content.ReadFromJsonAsync<JsonObject>(Ct))!["errorMessages"]!.AsArray());

        using var carol = await sim.AsUserAsync(Users.Carol);
        Assert.Equal(HttpStatusCode.OK, (await carol.GetAsync("/rest/api/3/myself", Ct)).StatusCode);
    }

    [Fact]
    public async Task AppTokens_AreLimitedToTheManifestScopes()
    {
        await using var sim = await RunningSimulator.StartAsync(new Dictionary<string, string?> { ["Simulator:ManifestPath"] = WriteManifestWithout("write:jira-work") });
        await sim.PostAdminAsync("/__sim/install");
        using var app = await sim.AsUserAsync(Users.Bob, "app-user");
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync("/rest/api/3/issue/EST-1", Ct)).StatusCode);
        using var put = await app.PutAsJsonAsync("/rest/api/3/issue/EST-1", new { fields = new { customfield_10016 = 1 } }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, put.StatusCode);
    }

    private static string WriteManifestWithout(string scope)
    {
        var dir = Directory.CreateTempSubdirectory("estimo-manifest-").FullName;
        var text = File.ReadAllText(Path.Combine(Repo.Root, "forge", "manifest.yml")).Replace("    - " + scope + "\n", "", StringComparison.Ordinal);
        var path = Path.Combine(dir, "manifest.yml");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task BearerTokens_Expire()
    {
        await using var sim = await RunningSimulator.StartAsync(new Dictionary<string, string?> { ["Simulator:TokenLifetime"] = "00:00:01" });
        using var bob = await sim.AsUserAsync(Users.Bob);
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync("/rest/api/3/myself", Ct)).StatusCode);
        await Task.Delay(1500, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bob.GetAsync("/rest/api/3/myself", Ct)).StatusCode);
    }

    private static JsonObject JwtPayload(string token)
    {
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        var header = JsonNode.Parse(Base64UrlDecode(parts[0]))!;
        Assert.Equal("RS256", header["alg"]!.GetValue<string>());
        return JsonNode.Parse(Base64UrlDecode(parts[1]))!.AsObject();
    }

    private static byte[] Base64UrlDecode(string s) =>
        Convert.FromBase64String(s.Replace('-', '+').Replace('_', '/').PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));

    [Fact]
    public async Task AppTokens_AreJwtsWithTheRealExpiry_AcceptedUntilUninstall_AndRefusedWhenTampered()
    {
        await using var remote = await FakeRemote.StartAsync();
        await using var sim = await RunningSimulator.StartAsync(RemoteSettings(remote));
        remote.JiraBase = $"{sim.BaseUrl}/ex/jira/{Jira.SeedData.CloudId}";
        var before = DateTimeOffset.UtcNow;
        await sim.PostAdminAsync("/__sim/install");
        using (var invoke = new HttpRequestMessage(HttpMethod.Post, "/__sim/bridge/invoke"))
        {
            invoke.Headers.Add("X-Estimo-Sim", "1");
            invoke.Headers.Add("Cookie", $"estimo_sim_user={Users.Bob}");
            invoke.Content = JsonContent.Create(new { location = new { moduleKey = "estimo-issue-panel", issueKey = "EST-1" }, path = "/api/me", method = "POST", body = new { } });
            using var response = await sim.Http.SendAsync(invoke, Ct);
            response.EnsureSuccessStatusCode();
        }
        var after = DateTimeOffset.UtcNow;

        var lifecycle = remote.Calls.Single(c => c.Path == "/forge/lifecycle");
        var uiCall = remote.Calls.Single(c => c.Path == "/api/me");
        var system = lifecycle.Headers["x-forge-oauth-system"];
        var user = uiCall.Headers["x-forge-oauth-user"];
        var systemClaims = JwtPayload(system);
        var userClaims = JwtPayload(user);
        Assert.Equal(Jira.SeedData.AppUserId, systemClaims["sub"]!.GetValue<string>());
        Assert.Equal(Users.Bob, userClaims["sub"]!.GetValue<string>());
        Assert.NotEqual(systemClaims["jti"]!.GetValue<string>(), userClaims["jti"]!.GetValue<string>());
        foreach (var claims in new[] { systemClaims, userClaims })
        {
            // TokenLifetime defaults to one hour; exp is rounded up to a whole second.
            var exp = DateTimeOffset.FromUnixTimeSeconds(claims["exp"]!.GetValue<long>());
            var iat = DateTimeOffset.FromUnixTimeSeconds(claims["iat"]!.GetValue<long>());
            Assert.InRange(exp, before.AddHours(1).AddSeconds(-1), after.AddHours(1).AddSeconds(1));
            Assert.InRange(iat, before.AddSeconds(-1), after.AddSeconds(1));
        }

        // /__sim/tokens reports the same expiry as the token's exp.
        using (var minted = await sim.Http.PostAsJsonAsync("/__sim/tokens", new { kind = "app-system" }, Ct))
        {
            var json = (await minted.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
            Assert.Equal(json["expiresAt"]!.GetValue<DateTimeOffset>().ToUnixTimeSeconds(), JwtPayload(json["token"]!.GetValue<string>())["exp"]!.GetValue<long>());
        }

        var myself = remote.JiraBase + "/rest/api/3/myself";
        async Task<HttpStatusCode> CallJiraAsync(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, myself);
            request.Headers.Authorization = new("Bearer", token);
            using var response = await sim.Http.SendAsync(request, Ct);
            return response.StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, await CallJiraAsync(system));
        Assert.Equal(HttpStatusCode.OK, await CallJiraAsync(user));

        // A token whose payload was changed (a later exp) is not one the simulator issued.
        var parts = system.Split('.');
        systemClaims["exp"] = systemClaims["exp"]!.GetValue<long>() + 3600;
        var tampered = parts[0] + "." + Convert.ToBase64String(Encoding.UTF8.GetBytes(systemClaims.ToJsonString())).TrimEnd('=').Replace('+', '-').Replace('/', '_') + "." + parts[2];
        Assert.Equal(HttpStatusCode.Unauthorized, await CallJiraAsync(tampered));

        await sim.PostAdminAsync("/__sim/uninstall");
        Assert.Equal(HttpStatusCode.Unauthorized, await CallJiraAsync(system));
        Assert.Equal(HttpStatusCode.Unauthorized, await CallJiraAsync(user));
    }

    [Fact]
    public async Task AppTokens_Expire_AtTheirExp()
    {
        await using var sim = await RunningSimulator.StartAsync(new Dictionary<string, string?> { ["Simulator:TokenLifetime"] = "00:00:01" });
        await sim.PostAdminAsync("/__sim/install");
        var token = await sim.TokenAsync(Users.Bob, "app-user");
        var exp = DateTimeOffset.FromUnixTimeSeconds(JwtPayload(token)["exp"]!.GetValue<long>());
        using var app = new HttpClient { BaseAddress = new Uri(sim.BaseUrl) };
        app.DefaultRequestHeaders.Authorization = new("Bearer", token);
        if (exp > DateTimeOffset.UtcNow.AddMilliseconds(200))
        {
            Assert.Equal(HttpStatusCode.OK, (await app.GetAsync("/rest/api/3/myself", Ct)).StatusCode);
        }
        var wait = exp - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, Ct);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.GetAsync("/rest/api/3/myself", Ct)).StatusCode);
    }

    private static async Task<HttpResponseMessage> BridgeAsync(RunningSimulator sim, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Estimo-Sim", "1");
        request.Headers.Add("Cookie", $"estimo_sim_user={Users.Bob}");
        return await sim.Http.SendAsync(request, Ct);
    }

    private static readonly object PanelLocation = new { moduleKey = "estimo-issue-panel", issueKey = "EST-1" };

    [Fact]
    public async Task Relay_On_SendsRequestRemoteThroughTheSimulator_WithAFitOnly_AndThePagesOrigin()
    {
        await using var remote = await FakeRemote.StartAsync();
        var settings = RemoteSettings(remote);
        settings["Simulator:Remote:RelayDirectCalls"] = "true";
        await using var sim = await RunningSimulator.StartAsync(settings);
        await sim.PostAdminAsync("/__sim/install");

        using (var grant = await BridgeAsync(sim, "/__sim/bridge/remote-token", new { location = PanelLocation, remoteKey = "estimo-remote" }))
        {
            Assert.True((await grant.Content.ReadFromJsonAsync<JsonObject>(Ct))!["relay"]!.GetValue<bool>());
        }

        using var ping = await BridgeAsync(sim, "/__sim/bridge/relay", new
        {
            location = PanelLocation, remoteKey = "estimo-remote", path = "/api/ping", method = "GET",
            headers = new[] { new[] { "accept", "application/json" } }, body = (string?)null,
        });
        ping.EnsureSuccessStatusCode();
        var answer = (await ping.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.Equal(200, answer["status"]!.GetValue<int>());
        Assert.Equal("fit=True oauth=False", answer["body"]!.GetValue<string>());
        Assert.IsType<JsonObject>(answer["headers"]);

        // The browser's part is played too: a preflight, then the call with the page's Origin.
        var preflight = remote.Preflights.Single(c => c.Path == "/api/ping");
        Assert.Equal("GET", preflight.Headers["access-control-request-method"]);
        Assert.Equal("authorization", preflight.Headers["access-control-request-headers"]);
        var call = remote.Calls.Single(c => c.Path == "/api/ping");
        Assert.Equal(sim.BaseUrl, call.Headers["origin"]);
        Assert.Equal("application/json", call.Headers["accept"]);
        var claims = await ValidateFitAsync(sim, call.Headers["authorization"]["Bearer ".Length..]);
        Assert.Equal(Users.Bob, claims["principal"]!.GetValue<string>());

        using var post = await BridgeAsync(sim, "/__sim/bridge/relay", new
        {
            location = PanelLocation, remoteKey = "estimo-remote", path = "/api/echo?x=1", method = "POST",
            headers = new[] { new[] { "content-type", "application/json" } }, body = "{\"hello\":\"relay\"}",
        });
        post.EnsureSuccessStatusCode();
        var posted = remote.Calls.Single(c => c.Path == "/api/echo");
        Assert.Equal("POST", posted.Method);
        Assert.Equal("{\"hello\":\"relay\"}", posted.Body);
        Assert.StartsWith("application/json", posted.Headers["content-type"], StringComparison.Ordinal);
        Assert.False(posted.Headers.ContainsKey("x-forge-oauth-user") || posted.Headers.ContainsKey("x-forge-oauth-system"));

        // What the remote's CORS would not let a browser send is refused, as the browser would.
        using var refused = await BridgeAsync(sim, "/__sim/bridge/relay", new
        {
            location = PanelLocation, remoteKey = "estimo-remote", path = "/api/ping", method = "GET",
            headers = new[] { new[] { "x-not-allowed", "1" } }, body = (string?)null,
        });
        Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
        Assert.Contains("CORS", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_Off_ByDefault_TheBrowserCallsTheRemoteDirectly()
    {
        await using var sim = await RunningSimulator.StartAsync();
        await sim.PostAdminAsync("/__sim/install");
        using (var grant = await BridgeAsync(sim, "/__sim/bridge/remote-token", new { location = PanelLocation, remoteKey = "estimo-remote" }))
        {
            var json = (await grant.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
            Assert.False(json["relay"]!.GetValue<bool>());
            Assert.NotNull(json["token"]);
            Assert.Equal("https://127.0.0.1:1", json["baseUrl"]!.GetValue<string>());
        }
        using var relay = await BridgeAsync(sim, "/__sim/bridge/relay", new { location = PanelLocation, remoteKey = "estimo-remote", path = "/api/ping", method = "GET" });
        Assert.Equal(HttpStatusCode.NotFound, relay.StatusCode);
    }

    [Fact]
    public async Task AutoInstall_InstallsOnceListening()
    {
        await using var sim = await RunningSimulator.StartAsync(new Dictionary<string, string?> { ["Simulator:AutoInstall"] = "true" });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonObject? state;
        do
        {
            await Task.Delay(100, Ct);
            state = await sim.Http.GetFromJsonAsync<JsonObject>("/__sim/state", Ct);
        }
        while (state!["installed"]!.GetValue<bool>() is false && DateTime.UtcNow < deadline);
        Assert.StartsWith("ari:cloud:ecosystem::installation/", state["installationId"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidSettings_AreAllReportedAtStart()
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => RunningSimulator.StartAsync(new Dictionary<string, string?>
        {
            ["Simulator:RateLimitPerMinute"] = "-1",
            ["Simulator:Remote:TrustCertificateThumbprint"] = "xyz",
        }));
        Assert.Contains(error.Failures, f => f.Contains("Simulator:RateLimitPerMinute", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Simulator:Remote:TrustCertificateThumbprint", StringComparison.Ordinal));
    }
}
