using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Estimo.Simulator.Forge;

namespace Estimo.Simulator.Tests;

/// <summary>The Forge host pages and resource serving, without a browser.</summary>
public sealed class HostTests(SimulatorFixture fixture) : IClassFixture<SimulatorFixture>
{
    private RunningSimulator Sim => fixture.Sim;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("<!doctype html><html><head><meta charset=\"utf-8\"><script src=\"app.js\"></script></head></html>")]
    [InlineData("<html lang=\"en\"><HEAD data-x=\"1\"><script type=\"module\" src=\"/a.js\"></script></HEAD></html>")]
    [InlineData("<script src=\"only.js\"></script>")]
    public void InjectShim_PutsTheShimBeforeEveryAppScript(string html)
    {
        var injected = HostEndpoints.InjectShim(html);
        var shim = injected.IndexOf(HostEndpoints.ShimScriptTag, StringComparison.Ordinal);
        Assert.True(shim >= 0);
        // The first script tag in the page is the shim.
        Assert.Equal(shim, injected.IndexOf("<script", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Resources_CannotEscapeTheirFolder()
    {
        using var response = await Sim.Http.GetAsync("/__forge/resources/estimo-ui/..%2F..%2Fforge%2Fmanifest.yml", Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task HostPage_HasAStrictCsp_AndNoInlineScript()
    {
        await Sim.PostAdminAsync("/__sim/install");
        using var response = await Sim.Http.GetAsync("/browse/EST-1", Ct);
        response.EnsureSuccessStatusCode();
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("data-issue-key=\"EST-1\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IssuePage_ForAUserWhoCannotBrowse_Is404()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/browse/EST-1");
        request.Headers.Add("Cookie", $"{HostEndpoints.UserCookie}={Users.Dave}");
        using var response = await Sim.Http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Login_SetsTheUser_AndRefusesOffSiteRedirects()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = new Uri(Sim.BaseUrl) };
        using var response = await client.PostAsync("/__sim/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["accountId"] = Users.Carol,
            ["returnUrl"] = "//evil.example/",
        }), Ct);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.ToString());
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.Contains(Uri.EscapeDataString(Users.Carol), StringComparison.Ordinal) && c.Contains("samesite=strict", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task BridgeApi_WithoutTheBridgeHeader_IsRefused()
    {
        using var response = await Sim.Http.PostAsJsonAsync("/__sim/bridge/session", new { }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private async Task<HttpResponseMessage> BridgeAsync(string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add(HostEndpoints.BridgeHeader, "1");
        return await Sim.Http.SendAsync(request, Ct);
    }

    [Fact]
    public async Task GetUrl_ForTheProjectPage_IsAnAbsoluteHostUrlCarryingTheAppPath()
    {
        using var response = await BridgeAsync("/__sim/bridge/url", new { target = "module", moduleKey = "estimo-project-page", projectKey = "EST", path = "/session/abc" });
        response.EnsureSuccessStatusCode();
        var url = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["url"]!.GetValue<string>();
        Assert.Equal($"{Sim.BaseUrl}/jira/software/projects/EST/apps/estimo-project-page/session/abc", url);

        // Opening it renders the project page, and the iframe is told its initial app path.
        await Sim.PostAdminAsync("/__sim/install");
        var html = await Sim.Http.GetStringAsync(url, Ct);
        Assert.Contains("data-history-base=\"/jira/software/projects/EST/apps/estimo-project-page\"", html, StringComparison.Ordinal);
        Assert.Contains("data-app-path=\"/session/abc\"", html, StringComparison.Ordinal);
        // Without a suffix the app starts at "/".
        var plain = await Sim.Http.GetStringAsync("/jira/software/projects/EST/apps/estimo-project-page", Ct);
        Assert.Contains("data-app-path=\"/\"", plain, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("issue", "estimo-project-page", "EST", "/x", HttpStatusCode.BadRequest)]
    [InlineData("module", "estimo-issue-panel", "EST", "/x", HttpStatusCode.NotFound)]
    [InlineData("module", "estimo-project-page", "NOPE", "/x", HttpStatusCode.NotFound)]
    [InlineData("module", "estimo-project-page", "EST", "//evil.example/x", HttpStatusCode.BadRequest)]
    [InlineData("module", "estimo-project-page", "EST", "session", HttpStatusCode.BadRequest)]
    public async Task GetUrl_RefusesWhatItCannotLinkTo(string target, string moduleKey, string projectKey, string path, HttpStatusCode expected)
    {
        using var response = await BridgeAsync("/__sim/bridge/url", new { target, moduleKey, projectKey, path });
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Jwks_PublishesOneRsaSigningKeyWithAKid()
    {
        var jwks = await Sim.Http.GetFromJsonAsync<JsonObject>("/.well-known/jwks.json", Ct);
        var key = Assert.Single(jwks!["keys"]!.AsArray())!;
        Assert.Equal("RSA", key["kty"]!.GetValue<string>());
        Assert.Equal("RS256", key["alg"]!.GetValue<string>());
        Assert.StartsWith("sim-", key["kid"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(key["d"]);
    }
}
