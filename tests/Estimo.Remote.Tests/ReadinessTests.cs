using System.Net;
using System.Net.Http.Headers;
using Estimo.Remote.Tests.Support;

namespace Estimo.Remote.Tests;

/// <summary>What the remote does when its dependencies are down.</summary>
public sealed class ReadinessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UnreachableJwks_MakesReadiness503_AndApiCalls401_NeverA500()
    {
        using var minter = new FitMinter();
        var deadJwks = new Uri($"http://127.0.0.1:{FreePort()}/.well-known/jwks.json");
        await using var host = await RemoteHost.StartAsync(deadJwks);
        using var client = host.CreateClient();

        using var ready = await client.GetAsync("/health/ready", Ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", minter.Mint(FitMinter.Claims(DateTimeOffset.UtcNow)));
        using var api = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Contains("KeysUnavailable", await api.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableDatabase_MakesReadiness503_AndLifecycle503()
    {
        using var minter = new FitMinter();
        await using var jwks = await JwksServer.StartAsync(minter.JwksJson());
        await using var host = await RemoteHost.StartAsync(jwks.JwksUrl, new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = $"Host=127.0.0.1;Port={FreePort()};Username=nobody;Database=none;Timeout=2",
            ["Storage:ApplyMigrationsOnStartup"] = "false",
        });
        using var client = host.CreateClient();

        using var ready = await client.GetAsync("/health/ready", Ct);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/lifecycle")
        {
            Content = new StringContent(
                $"{{\"eventType\":\"avi:forge:installed:app\",\"id\":\"3b0f9d54-6a1e-4c2b-8f7d-9e0a1b2c3d4e\",\"context\":\"ari:cloud:jira::site/{FitMinter.CloudId}\",\"app\":{{\"version\":\"1\"}}}}",
                System.Text.Encoding.UTF8,
                "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", minter.Mint(FitMinter.Claims(DateTimeOffset.UtcNow)));
        using var lifecycle = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, lifecycle.StatusCode);
        var body = await lifecycle.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Npgsql", body, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
