using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Estimo.Simulator.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Estimo.Simulator.Forge;

/// <summary>
/// Signs Forge Invocation Tokens (RS256) with the simulator's own RSA-2048 key, created at start
/// and never written to disk, and publishes its public half as a JWKS. Deliberately independent
/// of src/: the backend must verify these tokens with its own code, against this JWKS URL.
/// </summary>
public sealed class InvocationTokenSigner : IDisposable
{
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly SigningCredentials _credentials;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public InvocationTokenSigner()
    {
        var parameters = _rsa.ExportParameters(includePrivateParameters: false);
        // kid: a short fingerprint of the public key, so a restarted simulator gets a new kid.
        KeyId = "sim-" + Base64Url.Encode(SHA256.HashData(parameters.Modulus!))[..16];
        _credentials = new SigningCredentials(new RsaSecurityKey(_rsa) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256);
    }

    public string KeyId { get; }

    public const string Issuer = "forge/invocation-token";

    /// <summary>The public key as <c>/.well-known/jwks.json</c> serves it.</summary>
    public JsonObject Jwks()
    {
        var p = _rsa.ExportParameters(includePrivateParameters: false);
        return new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "RSA",
                ["kid"] = KeyId,
                ["use"] = "sig",
                ["alg"] = "RS256",
                ["n"] = Base64Url.Encode(p.Modulus!),
                ["e"] = Base64Url.Encode(p.Exponent!),
            }),
        };
    }

    /// <summary>Signs a token carrying <paramref name="claims"/> plus iss/aud/iat/nbf/exp/jti.</summary>
    public string Sign(string audience, JsonObject claims, DateTimeOffset now, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var payload = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["jti"] = Guid.NewGuid().ToString(),
        };
        foreach (var (name, value) in claims)
        {
            payload[name] = value is null ? JsonSerializer.SerializeToElement<object?>(null) : JsonSerializer.SerializeToElement(value);
        }
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            Claims = payload,
            SigningCredentials = _credentials,
        };
        return _handler.CreateToken(descriptor);
    }

    public void Dispose() => _rsa.Dispose();
}
