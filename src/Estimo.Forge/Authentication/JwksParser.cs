using System.Buffers.Text;
using System.Numerics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Estimo.Forge.Authentication;

/// <summary>
/// Reads a JWKS (RFC 7517) and keeps only keys fit to verify RS256 FITs: <c>kty</c> RSA,
/// <c>use</c> sig or absent, <c>alg</c> RS256 or absent, a non-empty <c>kid</c>, and a modulus of
/// 2048–8192 bits. Everything else is ignored, not an error. The first key with a given
/// <c>kid</c> wins. Keys unchanged since the previous set keep their imported RSA.
/// </summary>
internal static class JwksParser
{
    public const int MinModulusBits = 2048;
    public const int MaxModulusBits = 8192;
    public const int MaxKeyIdLength = 256;

    /// <summary>Returns null when the document is not a JWKS at all.</summary>
    public static List<SigningKey>? Parse(byte[] json, SigningKeySet? previous, ILogger logger, out int ignored)
    {
        ignored = 0;
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("keys", out var keys)
            || keys.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var result = new List<SigningKey>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var jwk in keys.EnumerateArray())
        {
            var keyId = Truncate(GetString(jwk, "kid") ?? "(none)");
            var reason = TryRead(jwk, previous, out var key);
            if (key is null)
            {
                ignored++;
                ForgeLog.JwksKeyIgnored(logger, keyId, reason);
            }
            else if (!seen.Add(key.KeyId))
            {
                ignored++;
                ForgeLog.JwksKeyIgnored(logger, keyId, "duplicate kid");
            }
            else
            {
                result.Add(key);
            }
        }

        return result;
    }

    private static string TryRead(JsonElement jwk, SigningKeySet? previous, out SigningKey? key)
    {
        key = null;
        if (jwk.ValueKind != JsonValueKind.Object)
        {
            return "not an object";
        }

        if (GetString(jwk, "kty") != "RSA")
        {
            return "kty is not RSA";
        }

        if (jwk.TryGetProperty("use", out var use) && !(use.ValueKind == JsonValueKind.String && use.ValueEquals("sig")))
        {
            return "use is not sig";
        }

        if (jwk.TryGetProperty("alg", out var alg) && !(alg.ValueKind == JsonValueKind.String && alg.ValueEquals("RS256")))
        {
            return "alg is not RS256";
        }

        var keyId = GetString(jwk, "kid");
        if (string.IsNullOrEmpty(keyId) || keyId.Length > MaxKeyIdLength)
        {
            return "kid is missing or too long";
        }

        var modulus = DecodeUnsigned(GetString(jwk, "n"));
        var exponent = DecodeUnsigned(GetString(jwk, "e"));
        if (modulus is null || exponent is null)
        {
            return "n or e is not base64url";
        }

        var bits = ((modulus.Length - 1) * 8) + (32 - BitOperations.LeadingZeroCount((uint)modulus[0]));
        if (bits < MinModulusBits || bits > MaxModulusBits)
        {
            return "modulus size out of range";
        }

        if (exponent.Length > 8 || (exponent[^1] & 1) == 0 || (exponent.Length == 1 && exponent[0] < 3))
        {
            return "exponent is not sane";
        }

        if (previous is not null && previous.TryGet(keyId, out var known) && known.HasSameKey(modulus, exponent))
        {
            key = known;
            return string.Empty;
        }

        try
        {
            var rsa = RSA.Create(new RSAParameters { Modulus = modulus, Exponent = exponent });
            key = new SigningKey(keyId, rsa, modulus, exponent);
            return string.Empty;
        }
        catch (CryptographicException)
        {
            return "key import failed";
        }
    }

    private static string? GetString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>Decodes a base64url big-endian integer, dropping leading zero bytes.</summary>
    private static byte[]? DecodeUnsigned(string? base64Url)
    {
        if (string.IsNullOrEmpty(base64Url) || !Base64Url.IsValid(base64Url.AsSpan()))
        {
            return null;
        }

        var bytes = Base64Url.DecodeFromChars(base64Url);
        var start = 0;
        while (start < bytes.Length && bytes[start] == 0)
        {
            start++;
        }

        return start == bytes.Length ? null : bytes[start..];
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64];
}
