using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Estimo.Forge.Authentication;

/// <summary>
/// Validates Forge Invocation Tokens on the BCL alone: no algorithm or key is ever chosen by the
/// token or by a general-purpose JWT library's configuration.
/// </summary>
/// <remarks>
/// <para>Algorithm, in the order of <see cref="FitFailure"/>; the first rule that fails is reported.</para>
/// <list type="number">
/// <item><b>Structure</b> (<see cref="FitFailure.Malformed"/>): at most
/// <see cref="MaxTokenLength"/> characters, exactly three non-empty dot-separated segments of the
/// base64url alphabet (no padding); the header decodes to a JSON object without duplicate
/// <c>alg</c>/<c>kid</c> and without <c>crit</c> (we understand no extensions, RFC 7515 §4.1.11).</item>
/// <item><b>alg</b> (<see cref="FitFailure.Algorithm"/>): the header's <c>alg</c> is exactly the string
/// <c>RS256</c>.</item>
/// <item><b>Embedded key</b> (<see cref="FitFailure.EmbeddedKey"/>): none of <c>jku</c>, <c>x5u</c>,
/// <c>jwk</c>, <c>x5c</c> is present, whatever its value.</item>
/// <item><b>kid</b> (<see cref="FitFailure.MissingKeyId"/>): a non-empty string of at most 256 characters.</item>
/// <item><b>Key lookup</b> (<see cref="FitFailure.UnknownKeyId"/>, <see cref="FitFailure.KeysUnavailable"/>):
/// the cached JWKS, refreshed on a miss as <see cref="ForgeSigningKeyCache"/> permits.</item>
/// <item><b>Signature</b> (<see cref="FitFailure.Signature"/>): RSASSA-PKCS1-v1_5 with SHA-256 over the
/// ASCII bytes of <c>header.payload</c>; the signature must be exactly the modulus length.</item>
/// <item>Only now is the payload parsed (unsigned input never reaches the claim parser). A signed
/// payload that is not a JSON object is <see cref="FitFailure.Malformed"/>.</item>
/// <item><b>iss</b> (<see cref="FitFailure.Issuer"/>): exactly <c>forge/invocation-token</c>.</item>
/// <item><b>aud</b> (<see cref="FitFailure.Audience"/>): a string, or an array with a string, equal
/// (ordinal) to <c>ari:cloud:ecosystem::app/&lt;uuid&gt;</c> built from <c>Forge:AppId</c>.</item>
/// <item><b>exp</b> (<see cref="FitFailure.Expired"/>): present, and now &lt; exp + skew.
/// <b>nbf</b> (<see cref="FitFailure.NotYetValid"/>): present, and now &gt;= nbf − skew.</item>
/// <item><b>Claims</b> (<see cref="FitFailure.MissingClaims"/>): <c>app.installationId</c> and
/// <c>app.id</c> are non-empty strings; every mapped optional claim, when present and not null,
/// has its expected JSON type (URLs absolute http/https); a present <c>jti</c> is a string of at
/// most 256 characters.</item>
/// <item><b>Replay</b> (<see cref="FitFailure.Replayed"/>): a <c>jti</c> is present and not seen
/// before; it is then remembered until exp + skew (see <see cref="ReplayCache"/> for the
/// full-cache policy). This is last so that forged or invalid tokens cannot fill the cache.</item>
/// </list>
/// <para>Only bad tokens produce failures: the method throws only when the caller cancels while a
/// JWKS fetch is awaited. Nothing about a token is logged here; the host logs the failure rule.</para>
/// </remarks>
internal sealed class ForgeInvocationTokenValidator : IForgeInvocationTokenValidator
{
    /// <summary>Real FITs are 1–3 KB; anything far larger is not one.</summary>
    public const int MaxTokenLength = 16 * 1024;

    /// <summary>How often a full replay cache is reported while it stays full.</summary>
    public static readonly TimeSpan ReplayCacheFullWarningInterval = TimeSpan.FromSeconds(10);

    private const int MaxHeaderSegmentLength = 1024;
    private const int MaxKeyIdLength = 256;
    private const int MaxTokenIdLength = 256;
    private const int MaxSignatureBytes = JwksParser.MaxModulusBits / 8;
    private const long MaxNumericDate = 253_402_300_799; // 9999-12-31T23:59:59Z

    private static readonly SearchValues<char> s_jwsCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.");

    private readonly ForgeSigningKeyCache _keys;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ForgeInvocationTokenValidator> _logger;
    private readonly ReplayCache _replayCache;
    private readonly byte[] _audience;
    private readonly long _clockSkewMs;
    private long _lastReplayCacheFullWarningMs = long.MinValue / 2;

    public ForgeInvocationTokenValidator(
        ForgeSigningKeyCache keys,
        IOptions<ForgeOptions> options,
        TimeProvider timeProvider,
        ILogger<ForgeInvocationTokenValidator> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys = keys;
        _timeProvider = timeProvider;
        _logger = logger;
        var value = options.Value;
        if (!ForgeOptionsValidator.TryNormalizeAppId(value.AppId, out var audience))
        {
            throw new OptionsValidationException(ForgeOptions.SectionName, typeof(ForgeOptions), ["Forge:AppId is not valid."]);
        }

        _audience = Encoding.UTF8.GetBytes(audience);
        _clockSkewMs = (long)value.ClockSkew.TotalMilliseconds;
        _replayCache = new ReplayCache(value.ReplayCacheCapacity);
    }

    /// <inheritdoc />
    public ValueTask<FitValidationResult> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var result = Validate(token, resolvedKey: null, out var keyIdToFetch);
        return result is not null
            ? new ValueTask<FitValidationResult>(result)
            : ValidateAfterKeyLookupAsync(token, keyIdToFetch!, cancellationToken);
    }

    private async ValueTask<FitValidationResult> ValidateAfterKeyLookupAsync(string token, string keyId, CancellationToken cancellationToken)
    {
        var lookup = await _keys.GetKeyAsync(keyId, cancellationToken);
        return lookup.Status switch
        {
            KeyLookupStatus.Found => Validate(token, lookup.Key, out _) ?? Fail(FitFailure.UnknownKeyId),
            KeyLookupStatus.Unknown => Fail(FitFailure.UnknownKeyId),
            _ => Fail(FitFailure.KeysUnavailable),
        };
    }

    /// <summary>
    /// Runs every rule synchronously. Returns null only when the key is not in the snapshot and
    /// <paramref name="resolvedKey"/> was not given; then <paramref name="keyIdToFetch"/> is set.
    /// </summary>
    private FitValidationResult? Validate(string? token, SigningKey? resolvedKey, out string? keyIdToFetch)
    {
        keyIdToFetch = null;

        // 1. Structure.
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength || token.AsSpan().IndexOfAnyExcept(s_jwsCharacters) >= 0)
        {
            return Fail(FitFailure.Malformed);
        }

        var firstDot = token.IndexOf('.', StringComparison.Ordinal);
        var secondDot = firstDot < 0 ? -1 : token.IndexOf('.', firstDot + 1);
        if (firstDot <= 0 || secondDot <= firstDot + 1 || secondDot == token.Length - 1
            || token.IndexOf('.', secondDot + 1) >= 0)
        {
            return Fail(FitFailure.Malformed);
        }

        var headerChars = token.AsSpan(0, firstDot);
        var payloadChars = token.AsSpan(firstDot + 1, secondDot - firstDot - 1);
        var signatureChars = token.AsSpan(secondDot + 1);
        if (headerChars.Length > MaxHeaderSegmentLength || payloadChars.Length % 4 == 1
            || Base64Url.GetMaxDecodedLength(signatureChars.Length) > MaxSignatureBytes)
        {
            return Fail(FitFailure.Malformed);
        }

        Span<byte> header = stackalloc byte[Base64Url.GetMaxDecodedLength(MaxHeaderSegmentLength)];
        if (!TryDecode(headerChars, header, out var headerLength))
        {
            return Fail(FitFailure.Malformed);
        }

        Span<char> keyIdBuffer = stackalloc char[MaxKeyIdLength];
        var headerCheck = ReadHeader(header[..headerLength], keyIdBuffer, out var keyIdLength);
        if (headerCheck != FitFailure.None)
        {
            // 2.–4. alg, embedded key, kid: ReadHeader reports them in that order.
            return Fail(headerCheck);
        }

        // 5. Key lookup.
        var keyId = keyIdBuffer[..keyIdLength];
        var key = resolvedKey;
        if (key is null && !_keys.TryGetKey(keyId, out key))
        {
            keyIdToFetch = new string(keyId);
            return null;
        }

        // 6. Signature.
        Span<byte> signature = stackalloc byte[MaxSignatureBytes];
        if (!TryDecode(signatureChars, signature, out var signatureLength) || signatureLength != key.SignatureLength)
        {
            return Fail(FitFailure.Signature);
        }

        var signingInputLength = secondDot;
        var payloadCapacity = Base64Url.GetMaxDecodedLength(payloadChars.Length);
        var rented = ArrayPool<byte>.Shared.Rent(signingInputLength + payloadCapacity);
        try
        {
            var signingInput = rented.AsSpan(0, signingInputLength);
            Encoding.ASCII.GetBytes(token.AsSpan(0, signingInputLength), signingInput);
            if (!key.Rsa.VerifyData(signingInput, signature[..signatureLength], HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
            {
                return Fail(FitFailure.Signature);
            }

            var payload = rented.AsSpan(signingInputLength, payloadCapacity);
            if (!TryDecode(payloadChars, payload, out var payloadLength))
            {
                return Fail(FitFailure.Malformed);
            }

            // 7.–11. Claims, then replay.
            return CheckClaims(payload[..payloadLength]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private FitValidationResult CheckClaims(ReadOnlySpan<byte> payload)
    {
        FitClaims claims;
        try
        {
            if (!FitClaims.TryRead(payload, _audience, out claims))
            {
                return Fail(FitFailure.Malformed);
            }
        }
        catch (JsonException)
        {
            return Fail(FitFailure.Malformed);
        }

        if (!claims.IssuerMatches)
        {
            return Fail(FitFailure.Issuer);
        }

        if (!claims.AudienceMatches)
        {
            return Fail(FitFailure.Audience);
        }

        var nowMs = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        if (!IsNumericDate(claims.ExpiresAt) || nowMs >= (claims.ExpiresAt!.Value * 1000) + _clockSkewMs)
        {
            return Fail(FitFailure.Expired);
        }

        if (!IsNumericDate(claims.NotBefore) || nowMs < (claims.NotBefore!.Value * 1000) - _clockSkewMs)
        {
            return Fail(FitFailure.NotYetValid);
        }

        if (claims.HasMalformedClaim || string.IsNullOrEmpty(claims.InstallationId) || string.IsNullOrEmpty(claims.AppId)
            || (claims.TokenId is { Length: > MaxTokenIdLength }))
        {
            return Fail(FitFailure.MissingClaims);
        }

        if (string.IsNullOrEmpty(claims.TokenId))
        {
            return Fail(FitFailure.Replayed);
        }

        var forgetAfterMs = (claims.ExpiresAt.Value * 1000) + _clockSkewMs;
        switch (_replayCache.TryAdd(claims.TokenId, forgetAfterMs, nowMs))
        {
            case ReplayCheck.Replayed:
                return Fail(FitFailure.Replayed);
            case ReplayCheck.Full:
                WarnReplayCacheFull(nowMs);
                return Fail(FitFailure.Replayed);
        }

        return FitValidationResult.Success(new ForgeInvocationContext
        {
            InstallationId = claims.InstallationId,
            AppId = claims.AppId,
            CloudId = claims.CloudId,
            SiteUrl = claims.SiteUrl,
            ApiBaseUrl = claims.ApiBaseUrl,
            EnvironmentType = claims.EnvironmentType,
            EnvironmentId = claims.EnvironmentId,
            ModuleKey = claims.ModuleKey,
            ModuleType = claims.ModuleType,
            Extension = claims.Extension,
            PrincipalAccountId = claims.Principal,
            LicenseActive = claims.LicenseActive,
            TokenId = claims.TokenId,
            ExpiresAt = DateTimeOffset.FromUnixTimeSeconds(claims.ExpiresAt.Value),
        });
    }

    /// <summary>Reads the JOSE header; returns the first failing rule among structure, alg, embedded key, kid.</summary>
    private static FitFailure ReadHeader(ReadOnlySpan<byte> header, Span<char> keyIdBuffer, out int keyIdLength)
    {
        keyIdLength = 0;
        bool algSeen = false, algIsRs256 = false, embeddedKey = false, kidSeen = false, kidValid = false;
        try
        {
            var reader = new Utf8JsonReader(header, new JsonReaderOptions { MaxDepth = 8 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return FitFailure.Malformed;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("alg"u8))
                {
                    if (algSeen)
                    {
                        return FitFailure.Malformed;
                    }

                    algSeen = true;
                    reader.Read();
                    algIsRs256 = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("RS256"u8);
                }
                else if (reader.ValueTextEquals("kid"u8))
                {
                    if (kidSeen)
                    {
                        return FitFailure.Malformed;
                    }

                    kidSeen = true;
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String
                        && (reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length) <= MaxKeyIdLength)
                    {
                        keyIdLength = reader.CopyString(keyIdBuffer);
                        kidValid = keyIdLength > 0;
                    }
                }
                else if (reader.ValueTextEquals("jku"u8) || reader.ValueTextEquals("x5u"u8)
                    || reader.ValueTextEquals("jwk"u8) || reader.ValueTextEquals("x5c"u8))
                {
                    embeddedKey = true;
                    reader.Read();
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("crit"u8))
                {
                    return FitFailure.Malformed;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return FitFailure.Malformed;
            }
        }
        catch (JsonException)
        {
            return FitFailure.Malformed;
        }

        if (!algSeen || !algIsRs256)
        {
            return FitFailure.Algorithm;
        }

        if (embeddedKey)
        {
            return FitFailure.EmbeddedKey;
        }

        return kidValid ? FitFailure.None : FitFailure.MissingKeyId;
    }

    private static bool TryDecode(ReadOnlySpan<char> source, Span<byte> destination, out int written) =>
        Base64Url.DecodeFromChars(source, destination, out var consumed, out written) == OperationStatus.Done
        && consumed == source.Length;

    /// <summary>Once per <see cref="ReplayCacheFullWarningInterval"/>: a flood must not become a log storm.</summary>
    private void WarnReplayCacheFull(long nowMs)
    {
        var last = Volatile.Read(ref _lastReplayCacheFullWarningMs);
        if (nowMs - last >= (long)ReplayCacheFullWarningInterval.TotalMilliseconds
            && Interlocked.CompareExchange(ref _lastReplayCacheFullWarningMs, nowMs, last) == last)
        {
            ForgeLog.ReplayCacheFull(_logger, _replayCache.Capacity);
        }
    }

    private static bool IsNumericDate(long? seconds) => seconds is >= 0 and <= MaxNumericDate;

    // Failure results carry no token data, so one instance per rule serves every caller.
    private static readonly FitValidationResult[] s_failures =
        [.. Enum.GetValues<FitFailure>().Select(f => f == FitFailure.None ? null! : FitValidationResult.Fail(f))];

    private static FitValidationResult Fail(FitFailure failure) => s_failures[(int)failure];
}
