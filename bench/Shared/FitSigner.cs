using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Estimo.Bench.Tokens;

/// <summary>
/// Mints Forge-shaped invocation tokens (RS256) with a key the bench owns. Written from the JWS
/// rules (RFC 7515), like the tests' minter, and independent of the validator being measured.
/// </summary>
public sealed class FitSigner : IDisposable
{
    public const string AppUuid = "7f1c2a9e-5b6d-4e8f-9a0b-1c2d3e4f5a6b";
    public const string AppAri = "ari:cloud:ecosystem::app/" + AppUuid;
    public const string InstallationId = "ari:cloud:ecosystem::installation/3b0f9d54-6a1e-4c2b-8f7d-9e0a1b2c3d4e";
    public const string CloudId = "0f7a4c6e-2b1d-4e3f-8a9b-7c6d5e4f3a2b";
    public const string KeyId = "bench-key-1";

    private readonly RSA _key;

    private FitSigner(RSA key) => _key = key;

    public static FitSigner Create() => new(RSA.Create(2048));

    /// <summary>Loads the PKCS#8 PEM written by <see cref="SavePrivateKey"/>.</summary>
    public static FitSigner Load(string pemPath)
    {
        var key = RSA.Create();
        key.ImportFromPem(File.ReadAllText(pemPath));
        return new FitSigner(key);
    }

    public void SavePrivateKey(string pemPath) => File.WriteAllText(pemPath, _key.ExportPkcs8PrivateKeyPem());

    /// <summary>The JWKS document publishing the public key.</summary>
    public string JwksJson()
    {
        var p = _key.ExportParameters(false);
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

    /// <summary>
    /// A token like the ones Forge sends for a UI invocation. <paramref name="lifetime"/> may be
    /// longer than Forge's 25 s so pre-minted tokens survive the run: the validator checks
    /// <c>exp</c> (plus skew), not the lifetime.
    /// </summary>
    public string Mint(string accountId, TimeSpan lifetime, string? apiBaseUrl = null, string installationId = InstallationId)
    {
        var now = DateTimeOffset.UtcNow;
        var claims = new JsonObject
        {
            ["iss"] = "forge/invocation-token",
            ["aud"] = AppAri,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.AddSeconds(-1).ToUnixTimeSeconds(),
            ["exp"] = now.Add(lifetime).ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString(),
            ["app"] = new JsonObject
            {
                ["id"] = AppAri,
                ["version"] = "1",
                ["installationId"] = installationId,
                ["apiBaseUrl"] = apiBaseUrl ?? $"https://api.atlassian.com/ex/jira/{CloudId}",
                ["environment"] = new JsonObject { ["type"] = "DEVELOPMENT", ["id"] = "e1a2b3c4-d5e6-47f8-9a0b-c1d2e3f4a5b6" },
                ["module"] = new JsonObject { ["type"] = "xen:macro", ["key"] = "estimo-project-page" },
                ["license"] = new JsonObject { ["isActive"] = true },
            },
            ["context"] = new JsonObject
            {
                ["cloudId"] = CloudId,
                ["siteUrl"] = "https://acme.atlassian.net",
                ["localId"] = "local-1",
            },
            ["principal"] = accountId,
        };
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = KeyId };
        var signingInput = Segment(header) + "." + Segment(claims);
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>The public half of the signing key.</summary>
    public RSAParameters PublicParameters() => _key.ExportParameters(false);

    /// <summary>The account id the bench uses for participant <paramref name="index"/> (Atlassian's 24-hex shape).</summary>
    public static string Account(int index) => $"5b10{index:x20}";

    public void Dispose() => _key.Dispose();

    private static string Segment(JsonNode node) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(node.ToJsonString(JsonSerializerOptions.Default)));
}
