using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Estimo.Forge.Tests.TestSupport;

/// <summary>An RSA key pair made by the test, published as a JWK under <see cref="KeyId"/>.</summary>
internal sealed class TestKey(string keyId, RSA rsa)
{
    public string KeyId { get; } = keyId;

    public RSA Rsa { get; } = rsa;

    public static TestKey Create(string keyId, int bits = 2048) => new(keyId, RSA.Create(bits));

    /// <summary>The same private key published under another kid.</summary>
    public TestKey WithKeyId(string keyId) => new(keyId, Rsa);

    public JsonObject ToJwk(string? use = "sig", string? alg = "RS256", string kty = "RSA")
    {
        var parameters = Rsa.ExportParameters(includePrivateParameters: false);
        var jwk = new JsonObject
        {
            ["kty"] = kty,
            ["kid"] = KeyId,
            ["n"] = Base64Url.EncodeToString(parameters.Modulus),
            ["e"] = Base64Url.EncodeToString(parameters.Exponent),
        };
        if (use is not null)
        {
            jwk["use"] = use;
        }

        if (alg is not null)
        {
            jwk["alg"] = alg;
        }

        return jwk;
    }

    public static string Jwks(params TestKey[] keys) => Jwks(keys.Select(k => k.ToJwk()).ToArray());

    public static string Jwks(params JsonObject[] jwks) =>
        new JsonObject { ["keys"] = new JsonArray([.. jwks]) }.ToJsonString();
}
