using System.Text.Json;

namespace Estimo.Forge.Authentication;

/// <summary>
/// The claims of a FIT payload whose signature has already verified, read in one forward pass
/// with <see cref="Utf8JsonReader"/>. <c>iss</c> and <c>aud</c> are compared in place rather than
/// materialised. Unknown claims are skipped. A known claim of the wrong JSON type sets
/// <see cref="HasMalformedClaim"/>; <c>null</c> counts as absent.
/// </summary>
internal struct FitClaims
{
    public bool IssuerMatches;
    public bool AudienceMatches;
    public long? ExpiresAt;
    public long? NotBefore;
    public string? TokenId;
    public string? Principal;
    public string? InstallationId;
    public string? AppId;
    public Uri? ApiBaseUrl;
    public string? EnvironmentType;
    public string? EnvironmentId;
    public string? ModuleKey;
    public string? ModuleType;
    public bool? LicenseActive;
    public string? CloudId;
    public Uri? SiteUrl;
    public JsonElement? Extension;
    public bool HasMalformedClaim;

    private static ReadOnlySpan<byte> ExpectedIssuer => "forge/invocation-token"u8;

    /// <summary>Returns false when the payload is not a JSON object; throws <see cref="JsonException"/> on invalid JSON.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> audience, out FitClaims claims)
    {
        claims = default;
        var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 32 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("iss"u8))
            {
                reader.Read();
                claims.IssuerMatches = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(ExpectedIssuer);
            }
            else if (reader.ValueTextEquals("aud"u8))
            {
                reader.Read();
                claims.AudienceMatches = ReadAudience(ref reader, audience);
            }
            else if (reader.ValueTextEquals("exp"u8))
            {
                reader.Read();
                claims.ExpiresAt = ReadNumericDate(ref reader);
            }
            else if (reader.ValueTextEquals("nbf"u8))
            {
                reader.Read();
                claims.NotBefore = ReadNumericDate(ref reader);
            }
            else if (reader.ValueTextEquals("jti"u8))
            {
                reader.Read();
                claims.TokenId = ReadString(ref reader, ref claims.HasMalformedClaim);
            }
            else if (reader.ValueTextEquals("principal"u8))
            {
                reader.Read();
                claims.Principal = ReadString(ref reader, ref claims.HasMalformedClaim);
            }
            else if (reader.ValueTextEquals("app"u8))
            {
                reader.Read();
                ReadApp(ref reader, ref claims);
            }
            else if (reader.ValueTextEquals("context"u8))
            {
                reader.Read();
                ReadContext(ref reader, ref claims);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return reader.TokenType == JsonTokenType.EndObject && !reader.Read();
    }

    private static void ReadApp(ref Utf8JsonReader reader, ref FitClaims claims)
    {
        if (!EnterObject(ref reader, ref claims.HasMalformedClaim))
        {
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("installationId"u8))
            {
                reader.Read();
                claims.InstallationId = ReadString(ref reader, ref claims.HasMalformedClaim);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                claims.AppId = ReadString(ref reader, ref claims.HasMalformedClaim);
            }
            else if (reader.ValueTextEquals("apiBaseUrl"u8))
            {
                reader.Read();
                claims.ApiBaseUrl = ReadUrl(ref reader, ref claims.HasMalformedClaim);
            }
            else if (reader.ValueTextEquals("environment"u8))
            {
                reader.Read();
                ReadPair(ref reader, "type"u8, "id"u8, out claims.EnvironmentType, out claims.EnvironmentId, ref claims.HasMalformedClaim);
            }
            else if (reader.ValueTextEquals("module"u8))
            {
                reader.Read();
                ReadPair(ref reader, "key"u8, "type"u8, out claims.ModuleKey, out claims.ModuleType, ref claims.HasMalformedClaim);
            }
            else if (reader.ValueTextEquals("license"u8))
            {
                reader.Read();
                ReadLicense(ref reader, ref claims);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void ReadContext(ref Utf8JsonReader reader, ref FitClaims claims)
    {
        if (!EnterObject(ref reader, ref claims.HasMalformedClaim))
        {
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("cloudId"u8))
            {
                reader.Read();
                claims.CloudId = ReadString(ref reader, ref claims.HasMalformedClaim);
            }
            else if (reader.ValueTextEquals("siteUrl"u8))
            {
                reader.Read();
                claims.SiteUrl = ReadUrl(ref reader, ref claims.HasMalformedClaim);
            }
            else if (reader.ValueTextEquals("extension"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    claims.Extension = null;
                }
                else
                {
                    // ParseValue copies the value into its own document: a clone that outlives the payload buffer.
                    claims.Extension = JsonElement.ParseValue(ref reader);
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void ReadLicense(ref Utf8JsonReader reader, ref FitClaims claims)
    {
        if (!EnterObject(ref reader, ref claims.HasMalformedClaim))
        {
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("isActive"u8))
            {
                reader.Read();
                claims.LicenseActive = reader.TokenType switch
                {
                    JsonTokenType.True => true,
                    JsonTokenType.False => false,
                    JsonTokenType.Null => null,
                    _ => Malformed<bool?>(ref claims.HasMalformedClaim, ref reader),
                };
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void ReadPair(
        ref Utf8JsonReader reader, ReadOnlySpan<byte> firstName, ReadOnlySpan<byte> secondName,
        out string? first, out string? second, ref bool malformed)
    {
        first = null;
        second = null;
        if (!EnterObject(ref reader, ref malformed))
        {
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(firstName))
            {
                reader.Read();
                first = ReadString(ref reader, ref malformed);
            }
            else if (reader.ValueTextEquals(secondName))
            {
                reader.Read();
                second = ReadString(ref reader, ref malformed);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary>True when positioned on an object's start; null is absent; anything else is malformed and skipped.</summary>
    private static bool EnterObject(ref Utf8JsonReader reader, ref bool malformed)
    {
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.Null)
        {
            malformed = true;
            reader.Skip();
        }

        return false;
    }

    private static bool ReadAudience(ref Utf8JsonReader reader, ReadOnlySpan<byte> audience)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.ValueTextEquals(audience);
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return false;
        }

        var matches = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                matches |= reader.ValueTextEquals(audience);
            }
            else
            {
                reader.Skip();
            }
        }

        return matches;
    }

    /// <summary>Seconds since the epoch; fractions are truncated. Non-numbers read as absent.</summary>
    private static long? ReadNumericDate(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            reader.Skip();
            return null;
        }

        if (reader.TryGetInt64(out var whole))
        {
            return whole;
        }

        return reader.TryGetDouble(out var value) && value is >= 0 and < long.MaxValue ? (long)value : null;
    }

    private static string? ReadString(ref Utf8JsonReader reader, ref bool malformed) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => Malformed<string?>(ref malformed, ref reader),
    };

    private static Uri? ReadUrl(ref Utf8JsonReader reader, ref bool malformed)
    {
        var text = ReadString(ref reader, ref malformed);
        if (text is null)
        {
            return null;
        }

        if (Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp))
        {
            return url;
        }

        malformed = true;
        return null;
    }

    private static T Malformed<T>(ref bool malformed, ref Utf8JsonReader reader)
    {
        malformed = true;
        reader.Skip();
        return default!;
    }
}
