using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Estimo.Remote.Tests.Support;

namespace Estimo.Remote.Tests;

/// <summary>The FIT scheme through real HTTPS on loopback, with a real JWKS server.</summary>
public sealed class FitAuthenticationTests : RemoteTestBase
{
    [Fact]
    public async Task Me_WithValidToken_ReturnsTheVerifiedIdentity()
    {
        var token = Minter.Mint(FitMinter.Claims(DateTimeOffset.UtcNow));

        using var response = await SendAsync(HttpMethod.Get, "/api/me", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(FitMinter.InstallationId, body.GetProperty("installationId").GetString());
        Assert.Equal(FitMinter.CloudId, body.GetProperty("cloudId").GetString());
        Assert.Equal("5b10ac8d82e05b22cc7d4ef5", body.GetProperty("accountId").GetString());
    }

    [Fact]
    public async Task Me_WithoutToken_Is401ProblemDetails()
    {
        using var response = await SendAsync(HttpMethod.Get, "/api/me", token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    public static TheoryData<string, string> BadTokens()
    {
        var data = new TheoryData<string, string>
        {
            { "garbled", "Malformed" },
            { "expired", "Expired" },
            { "not-yet-valid", "NotYetValid" },
            { "wrong-audience", "Audience" },
            { "wrong-issuer", "Issuer" },
            { "hs256", "Algorithm" },
            { "none", "Algorithm" },
            { "unknown-kid", "UnknownKeyId" },
            { "tampered", "Signature" },
            { "jku-header", "EmbeddedKey" },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Me_WithBadToken_Is401InvalidTokenNamingTheRule_WithoutEchoingTheToken(string kind, string rule)
    {
        var token = BadToken(kind);

        using var response = await SendAsync(HttpMethod.Get, "/api/me", token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer" && h.Parameter == "error=\"invalid_token\"");
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
        Assert.Equal(rule, problem.GetProperty("rule").GetString());
        Assert.DoesNotContain(token, text, StringComparison.Ordinal);
        foreach (var segment in token.Split('.').Where(s => s.Length > 8))
        {
            Assert.DoesNotContain(segment, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Me_WithReplayedToken_IsRejectedTheSecondTime()
    {
        var token = Minter.Mint(FitMinter.Claims(DateTimeOffset.UtcNow));

        using var first = await SendAsync(HttpMethod.Get, "/api/me", token);
        using var second = await SendAsync(HttpMethod.Get, "/api/me", token);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        var problem = await second.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("Replayed", problem.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task Me_WithBasicAuthorization_Is401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz");

        using var response = await Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task UnknownRoute_Is404ProblemDetails()
    {
        using var response = await SendAsync(HttpMethod.Get, "/api/does-not-exist", token: null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private string BadToken(string kind)
    {
        var now = DateTimeOffset.UtcNow;
        var claims = FitMinter.Claims(now);
        switch (kind)
        {
            case "garbled":
                return "not.a-token";
            case "expired":
                claims["iat"] = now.AddMinutes(-10).ToUnixTimeSeconds();
                claims["nbf"] = now.AddMinutes(-10).ToUnixTimeSeconds();
                claims["exp"] = now.AddMinutes(-1).ToUnixTimeSeconds();
                return Minter.Mint(claims);
            case "not-yet-valid":
                claims["nbf"] = now.AddMinutes(5).ToUnixTimeSeconds();
                claims["exp"] = now.AddMinutes(6).ToUnixTimeSeconds();
                return Minter.Mint(claims);
            case "wrong-audience":
                return Minter.Mint(FitMinter.Claims(now, audience: "ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000000"));
            case "wrong-issuer":
                claims["iss"] = "someone-else";
                return Minter.Mint(claims);
            case "hs256":
                return Minter.Mint(claims, alg: "HS256");
            case "none":
                return Minter.Mint(claims, alg: "none");
            case "unknown-kid":
                return Minter.Mint(claims, kid: "not-published");
            case "tampered":
                var good = Minter.Mint(claims).Split('.');
                var other = Minter.Mint(FitMinter.Claims(now, accountId: "attacker")).Split('.');
                return $"{good[0]}.{other[1]}.{good[2]}";
            case "jku-header":
                return Minter.Mint(claims, editHeader: h => h["jku"] = "https://attacker.example/jwks.json");
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await Client.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
