using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Estimo.Core.Installations;
using Estimo.Remote.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Remote.Tests;

/// <summary><c>POST /forge/lifecycle</c> through real HTTPS, with the real store on SQLite.</summary>
public sealed class LifecycleTests : RemoteTestBase
{
    [Fact]
    public async Task Installed_RecordsTheInstallation_AndARetryChangesNothing()
    {
        using var first = await PostEventAsync(InstalledEvent());
        using var retry = await PostEventAsync(InstalledEvent());

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("Created", (await first.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("change").GetString());
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal("Unchanged", (await retry.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("change").GetString());

        using var scope = Host.Services.CreateScope();
        var stored = await scope.ServiceProvider.GetRequiredService<IInstallationStore>().FindAsync(FitMinter.InstallationId, Ct);
        Assert.NotNull(stored);
        Assert.Equal(FitMinter.CloudId, stored.CloudId);
        Assert.Equal(new Uri($"https://api.atlassian.com/ex/jira/{FitMinter.CloudId}"), stored.ApiBaseUrl);
        Assert.Equal("2.1.0", stored.AppVersion);
        Assert.Equal(InstallationStatus.Active, stored.Status);
    }

    [Fact]
    public async Task Upgraded_UpdatesTheVersion()
    {
        using var installed = await PostEventAsync(InstalledEvent());
        var upgrade = InstalledEvent();
        upgrade["eventType"] = "avi:forge:upgraded:app";
        upgrade["app"]!["version"] = "3.0.0";

        using var upgraded = await PostEventAsync(upgrade);

        Assert.Equal(HttpStatusCode.OK, upgraded.StatusCode);
        using var scope = Host.Services.CreateScope();
        var stored = await scope.ServiceProvider.GetRequiredService<IInstallationStore>().FindAsync(FitMinter.InstallationId, Ct);
        Assert.Equal("3.0.0", stored!.AppVersion);
        Assert.NotNull(stored.UpgradedAt);
    }

    [Fact]
    public async Task Uninstalled_StartsThePurgeClock_AndAReinstallStopsIt()
    {
        using var installed = await PostEventAsync(InstalledEvent());
        var uninstall = InstalledEvent();
        uninstall["eventType"] = "avi:forge:uninstalled:app";
        var purger = Host.Services.GetRequiredService<Estimo.Storage.Lifecycle.InstallationPurger>();

        using var uninstalled = await PostEventAsync(uninstall);
        var dueLater = await purger.FindDueAsync(DateTimeOffset.UtcNow.AddDays(3).AddMinutes(1), TimeSpan.FromDays(3), TimeSpan.FromDays(5), Ct);
        var dueNow = await purger.FindDueAsync(DateTimeOffset.UtcNow, TimeSpan.FromDays(3), TimeSpan.FromDays(5), Ct);
        using var reinstalled = await PostEventAsync(InstalledEvent());
        var dueAfterReinstall = await purger.FindDueAsync(DateTimeOffset.UtcNow.AddDays(3).AddMinutes(1), TimeSpan.FromDays(3), TimeSpan.FromDays(5), Ct);

        Assert.Equal(HttpStatusCode.OK, uninstalled.StatusCode);
        Assert.Equal("Uninstalled", (await uninstalled.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("change").GetString());
        Assert.Equal([(FitMinter.InstallationId, Estimo.Storage.Lifecycle.PurgeReason.Uninstalled)], dueLater);
        Assert.Empty(dueNow);
        Assert.Empty(dueAfterReinstall);
    }

    [Fact]
    public async Task EventForAnotherInstallation_Is403_AndNothingIsStored()
    {
        var body = InstalledEvent();
        body["id"] = "11111111-2222-4333-8444-555555555555";

        using var response = await PostEventAsync(body);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var scope = Host.Services.CreateScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<IInstallationStore>().FindAsync(FitMinter.InstallationId, Ct));
    }

    [Fact]
    public async Task EventForAnotherSite_Is403()
    {
        var body = InstalledEvent();
        body["context"] = "ari:cloud:jira::site/99999999-2222-4333-8444-555555555555";

        using var response = await PostEventAsync(body);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task BodyThatIsNotJson_Is400Problem()
    {
        using var response = await PostRawAsync("this is not json", "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task UnsupportedEventType_Is400()
    {
        var body = InstalledEvent();
        body["eventType"] = "avi:jira:created:issue";

        using var response = await PostEventAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task OversizedBody_Is413()
    {
        var padding = new string('x', 70 * 1024);
        using var response = await PostRawAsync($"{{\"eventType\":\"avi:forge:installed:app\",\"pad\":\"{padding}\"}}", "application/json");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task EventWithoutToken_Is401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/lifecycle")
        {
            Content = new StringContent(InstalledEvent().ToJsonString(), Encoding.UTF8, "application/json"),
        };

        using var response = await Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task SystemToken_IsCachedEncrypted_ForTheInstallation()
    {
        using var installed = await PostEventAsync(InstalledEvent());
        var systemToken = FitMinter.FakeOAuthToken(DateTimeOffset.UtcNow.AddHours(1), "app-system-user");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Minter.Mint(FitMinter.Claims(DateTimeOffset.UtcNow)));
        request.Headers.Add("x-forge-oauth-system", systemToken);
        using var response = await Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var scope = Host.Services.CreateScope();
        var cached = await scope.ServiceProvider.GetRequiredService<ISystemTokenCache>().FindValidAsync(FitMinter.InstallationId, Ct);
        Assert.Equal(systemToken, cached);

        // At rest it is sealed: the SQLite file does not contain the token's text.
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Host.Root, "data"), "*", SearchOption.AllDirectories))
        {
            var bytes = await ReadSharedAsync(file);
            Assert.DoesNotContain(systemToken, Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
            Assert.DoesNotContain(systemToken.Split('.')[2], Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        }
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var memory = new MemoryStream();
        await stream.CopyToAsync(memory);
        return memory.ToArray();
    }

    private static JsonObject InstalledEvent() => new()
    {
        ["eventType"] = "avi:forge:installed:app",
        ["id"] = "3b0f9d54-6a1e-4c2b-8f7d-9e0a1b2c3d4e",
        ["context"] = $"ari:cloud:jira::site/{FitMinter.CloudId}",
        ["app"] = new JsonObject { ["id"] = FitMinter.AppUuid, ["version"] = "2.1.0" },
        ["environment"] = new JsonObject { ["id"] = "e1a2b3c4-d5e6-47f8-9a0b-c1d2e3f4a5b6" },
        ["installerAccountId"] = "5b10ac8d82e05b22cc7d4ef5",
    };

    private async Task<HttpResponseMessage> PostEventAsync(JsonObject body) =>
        await PostRawAsync(body.ToJsonString(), "application/json");

    private async Task<HttpResponseMessage> PostRawAsync(string body, string contentType)
    {
        var claims = FitMinter.Claims(DateTimeOffset.UtcNow, accountId: null);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/lifecycle")
        {
            Content = new StringContent(body, Encoding.UTF8, contentType),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Minter.Mint(claims));
        return await Client.SendAsync(request, Ct);
    }
}
