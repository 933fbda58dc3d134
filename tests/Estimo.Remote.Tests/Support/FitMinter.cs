using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Estimo.Remote.Tests.Support;

/// <summary>
/// Mints Forge-shaped invocation tokens with a key the tests own. Independent of the
/// validator under test: it builds the JWS by hand from the RFC 7515 rules.
/// </summary>
public sealed class FitMinter : IDisposable
{
    public const string AppUuid = "7f1c2a9e-5b6d-4e8f-9a0b-1c2d3e4f5a6b";
    public const string AppAri = "ari:cloud:ecosystem::app/" + AppUuid;
    public const string InstallationId = "ari:cloud:ecosystem::installation/3b0f9d54-6a1e-4c2b-8f7d-9e0a1b2c3d4e";
    public const string CloudId = "0f7a4c6e-2b1d-4e3f-8a9b-7c6d5e4f3a2b";

    public FitMinter(string keyId = "test-key-1")
    {
        KeyId = keyId;
        Key = RSA.Create(2048);
    }

    public string KeyId { get; }

    public RSA Key { get; }

    /// <summary>The JWKS document publishing this minter's public key.</summary>
    public string JwksJson()
    {
        var p = Key.ExportParameters(false);
        var jwk = new JsonObject
        {
            ["kty"] = "RSA",
            ["use"] = "sig",
            ["alg"] = "RS256",
            ["kid"] = KeyId,
            ["n"] = Base64Url.EncodeToString(p.Modulus),
            ["e"] = Base64Url.EncodeToString(p.Exponent),
        };
        return new JsonObject { ["keys"] = new JsonArray(jwk) }.ToJsonString();
    }

    /// <summary>Claims like the ones Forge sends for a UI invocation.</summary>
    public static JsonObject Claims(
        DateTimeOffset now,
        string installationId = InstallationId,
        string cloudId = CloudId,
        string? accountId = "5b10ac8d82e05b22cc7d4ef5",
        string audience = AppAri)
    {
        var claims = new JsonObject
        {
            ["iss"] = "forge/invocation-token",
            ["aud"] = audience,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddSeconds(25).ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString(),
            ["app"] = new JsonObject
            {
                ["id"] = AppAri,
                ["version"] = "1",
                ["installationId"] = installationId,
                ["apiBaseUrl"] = $"https://api.atlassian.com/ex/jira/{cloudId}",
                ["environment"] = new JsonObject { ["type"] = "DEVELOPMENT", ["id"] = "e1a2b3c4-d5e6-47f8-9a0b-c1d2e3f4a5b6" },
                ["module"] = new JsonObject { ["type"] = "xen:macro", ["key"] = "estimo-project-page" },
                ["license"] = new JsonObject { ["isActive"] = true },
            },
            ["context"] = new JsonObject
            {
                ["cloudId"] = cloudId,
                ["siteUrl"] = "https://acme.atlassian.net",
                ["localId"] = "local-1",
            },
        };
        if (accountId is not null)
        {
            claims["principal"] = accountId;
        }

        return claims;
    }

    public string Mint(JsonObject claims, string alg = "RS256", string? kid = null, Action<JsonObject>? editHeader = null)
    {
        var header = new JsonObject { ["alg"] = alg, ["typ"] = "JWT", ["kid"] = kid ?? KeyId };
        editHeader?.Invoke(header);
        var signingInput = Segment(header) + "." + Segment(claims);
        var signature = Key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>A JWT-shaped opaque token, like Forge's OAuth tokens, with an <c>exp</c>.</summary>
    public static string FakeOAuthToken(DateTimeOffset expiresAt, string subject)
    {
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT" };
        var payload = new JsonObject { ["sub"] = subject, ["exp"] = expiresAt.ToUnixTimeSeconds(), ["nonce"] = Guid.NewGuid().ToString() };
        return Segment(header) + "." + Segment(payload) + "." + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(64));
    }

    public void Dispose() => Key.Dispose();

    private static string Segment(JsonNode node) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(node.ToJsonString(new JsonSerializerOptions())));
}
