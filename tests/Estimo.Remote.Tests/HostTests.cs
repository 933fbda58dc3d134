using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Estimo.Remote.Tests.Support;

namespace Estimo.Remote.Tests;

/// <summary>The HTTPS host: headers, CORS, health, and what it refuses to serve.</summary>
public sealed class HostTests : RemoteTestBase
{
    [Fact]
    public async Task EveryResponse_CarriesHstsOfAYearAndTheSecurityHeaders()
    {
        using var ok = await Client.GetAsync("/health/live", Ct);
        using var unauthorized = await Client.GetAsync("/api/me", Ct);

        foreach (var response in new[] { ok, unauthorized })
        {
            var hsts = response.Headers.GetValues("Strict-Transport-Security").Single();
            var maxAge = long.Parse(hsts.Split(';')[0].Split('=')[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(maxAge >= 31_536_000, $"HSTS max-age {maxAge} is under a year");
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.True(response.Headers.CacheControl?.NoStore);
            Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.False(response.Headers.Contains("Server"));
        }
    }

    [Fact]
    public async Task Liveness_IsAnonymousAndCarriesNoData()
    {
        using var response = await Client.GetAsync("/health/live", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Single(body.EnumerateObject());
    }

    [Fact]
    public async Task Readiness_IsHealthy_WhenTheDatabaseAndKeysAreThere()
    {
        using var response = await Client.GetAsync("/health/ready", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task PlainHttp_IsNotServedOnTheListener()
    {
        // Speak plain HTTP/1.1 to the TLS port: the server must not answer with content.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Host.BaseAddress.Port, Ct);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n"), Ct);
        var buffer = new byte[512];
        int read;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            read = await stream.ReadAsync(buffer, timeout.Token);
        }
        catch (IOException)
        {
            read = 0;
        }

        var answer = Encoding.ASCII.GetString(buffer, 0, read);
        Assert.DoesNotContain("Healthy", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("200 OK", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cors_AnswersForgeOriginsOnly()
    {
        using var forge = Preflight("https://abc123.cdn.prod.atlassian-dev.net");
        using var other = Preflight("https://evil.example.com");

        using var allowed = await Client.SendAsync(forge, Ct);
        using var refused = await Client.SendAsync(other, Ct);

        Assert.Equal("https://abc123.cdn.prod.atlassian-dev.net", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(allowed.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Tokens_NeverReachTheLog_EvenOnFailures()
    {
        var now = DateTimeOffset.UtcNow;
        var valid = Minter.Mint(FitMinter.Claims(now));
        var userToken = FitMinter.FakeOAuthToken(now.AddHours(1), "user");
        var systemToken = FitMinter.FakeOAuthToken(now.AddHours(1), "system");
        var expiredClaims = FitMinter.Claims(now);
        expiredClaims["exp"] = now.AddMinutes(-5).ToUnixTimeSeconds();
        var expired = Minter.Mint(expiredClaims);
        var tampered = valid[..^4] + "AAAA";

        foreach (var token in new[] { valid, valid, expired, tampered, "Zm9vYmFyYmF6.cXV4.cXV1eA" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me?token=" + Uri.EscapeDataString(token));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Add("x-forge-oauth-user", userToken);
            request.Headers.Add("x-forge-oauth-system", systemToken);
            using var response = await Client.SendAsync(request, Ct);
        }

        // The request log line is written after the response is sent; wait for the last one.
        for (var waited = 0; waited < 200 && Host.Log.Lines.Count(l => l.Contains("/api/me", StringComparison.Ordinal)) < 5; waited++)
        {
            await Task.Delay(100, Ct);
        }

        var log = Host.Log.Text;
        Assert.NotEmpty(Host.Log.Lines);
        foreach (var secret in new[] { valid, expired, tampered, userToken, systemToken, "Zm9vYmFyYmF6.cXV4.cXV1eA" })
        {
            foreach (var segment in secret.Split('.').Where(s => s.Length >= 8))
            {
                Assert.DoesNotContain(segment, log, StringComparison.Ordinal);
            }
        }

        // The request log names the route template, not the raw URL with its query.
        Assert.True(log.Contains("/api/me", StringComparison.Ordinal), "no request log line for /api/me; log was:\n" + log);
        Assert.DoesNotContain("token=", log, StringComparison.Ordinal);
        foreach (var line in Host.Log.Lines)
        {
            var json = JsonDocument.Parse(line).RootElement;
            Assert.Equal("8.11.0", json.GetProperty("ecs.version").GetString());
            Assert.True(json.TryGetProperty("@timestamp", out _));
            Assert.True(json.TryGetProperty("log.level", out _));
        }
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/me");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "GET");
        request.Headers.Add("Access-Control-Request-Headers", "authorization");
        return request;
    }
}
