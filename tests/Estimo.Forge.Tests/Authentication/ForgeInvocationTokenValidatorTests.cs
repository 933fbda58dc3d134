using System.Buffers.Text;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Estimo.Forge.Authentication;
using Estimo.Forge.Tests.TestSupport;

namespace Estimo.Forge.Tests.Authentication;

public sealed class ForgeInvocationTokenValidatorTests : IDisposable
{
    private readonly ValidatorHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    // ---- Happy path and mapping -------------------------------------------------------------

    [Fact]
    public async Task Validate_WithValidToken_SucceedsAndMapsEveryClaim()
    {
        var fit = _harness.Fit().WithClaim("jti", "jti-happy");

        var result = await _harness.ValidateAsync(fit.Build());

        Assert.True(result.Succeeded, result.Failure.ToString());
        var context = Assert.IsType<ForgeInvocationContext>(result.Context);
        Assert.Equal(Some.InstallationId, context.InstallationId);
        Assert.Equal(Some.AppAri, context.AppId);
        Assert.Equal(new Uri(Some.ApiBaseUrl), context.ApiBaseUrl);
        Assert.Equal("PRODUCTION", context.EnvironmentType);
        Assert.Equal(Some.EnvironmentId, context.EnvironmentId);
        Assert.Equal("estimo-issue-panel", context.ModuleKey);
        Assert.Equal("xen:macro", context.ModuleType);
        Assert.True(context.LicenseActive);
        Assert.Equal(Some.CloudId, context.CloudId);
        Assert.Equal(new Uri(Some.SiteUrl), context.SiteUrl);
        Assert.Equal(Some.AccountId, context.PrincipalAccountId);
        Assert.Equal("jti-happy", context.TokenId);
        Assert.Equal(Some.Now.AddSeconds(25), context.ExpiresAt);
        var extension = Assert.NotNull(context.Extension);
        Assert.Equal("EST-1", extension.GetProperty("issue").GetProperty("key").GetString());
        Assert.Equal("jira:issuePanel", extension.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Validate_WithoutOptionalClaims_SucceedsWithNulls()
    {
        var fit = _harness.Fit()
            .WithoutClaim("principal").WithoutClaim("context").WithoutClaim("app.license")
            .WithoutClaim("app.apiBaseUrl").WithoutClaim("app.environment").WithoutClaim("app.module");

        var result = await _harness.ValidateAsync(fit.Build());

        Assert.True(result.Succeeded, result.Failure.ToString());
        var context = result.Context!;
        Assert.Null(context.PrincipalAccountId);
        Assert.Null(context.Extension);
        Assert.Null(context.CloudId);
        Assert.Null(context.LicenseActive);
        Assert.Null(context.ApiBaseUrl);
    }

    [Fact]
    public async Task Validate_ExtensionOutlivesTheToken_IsAnIndependentClone()
    {
        var result = await _harness.ValidateAsync(_harness.Fit().Build());

        // A clone survives everything the validator rents and returns; serialising proves it is whole.
        var json = JsonSerializer.Serialize(result.Context!.Extension);
        Assert.Contains("\"EST-1\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_WithAudienceArray_Succeeds()
    {
        var fit = _harness.Fit().WithClaim("aud", new JsonArray("ari:cloud:ecosystem::app/other", Some.AppAri));

        Assert.Equal(FitFailure.None, await _harness.FailureOf(fit));
    }

    [Theory]
    [InlineData(Some.AppUuid)]
    [InlineData(Some.AppAri)]
    [InlineData("3B1F4F4E-7C1C-4D7E-9A52-6F0A2C9D8E11")]
    public async Task Validate_WithAppIdConfiguredWithOrWithoutPrefix_Succeeds(string appId)
    {
        using var harness = new ValidatorHarness(o => o.AppId = appId);

        Assert.Equal(FitFailure.None, await harness.FailureOf(harness.Fit()));
    }

    // ---- Structure ----------------------------------------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData("not a token")]
    [InlineData("abc")]
    [InlineData("abc.def")]
    [InlineData("abc.def.ghi.jkl")]
    [InlineData(".def.ghi")]
    [InlineData("abc..ghi")]
    [InlineData("abc.def.")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9=.e30.c2ln")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.e30.c2ln\n")]
    public async Task Validate_WithTextThatIsNotACompactJws_FailsMalformed(string token)
    {
        var result = await _harness.ValidateAsync(token);

        Assert.Equal(FitFailure.Malformed, result.Failure);
    }

    [Fact]
    public async Task Validate_WithNullToken_FailsMalformed()
    {
        var result = await _harness.Validator.ValidateAsync(null!, TestContext.Current.CancellationToken);

        Assert.Equal(FitFailure.Malformed, result.Failure);
    }

    [Fact]
    public async Task Validate_WithOversizedToken_FailsMalformed()
    {
        var fit = _harness.Fit().WithClaim("padding", new string('x', ForgeInvocationTokenValidator.MaxTokenLength));

        Assert.Equal(FitFailure.Malformed, await _harness.FailureOf(fit));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[\"RS256\"]")]
    [InlineData("{\"alg\":\"RS256\",\"kid\":\"forge-key-1\"")]
    [InlineData("{\"alg\":\"RS256\",\"kid\":\"forge-key-1\"} {}")]
    [InlineData("{\"alg\":\"RS256\",\"alg\":\"RS256\",\"kid\":\"forge-key-1\"}")]
    [InlineData("{\"alg\":\"RS256\",\"kid\":\"forge-key-1\",\"crit\":[\"exp\"]}")]
    public async Task Validate_WithBadHeader_FailsMalformed(string header)
    {
        var fit = _harness.Fit().WithRawHeader(header);

        Assert.Equal(FitFailure.Malformed, await _harness.FailureOf(fit));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"iss\":\"forge/invocation-token\"")]
    public async Task Validate_WithSignedPayloadThatIsNotAJsonObject_FailsMalformed(string payload)
    {
        var fit = _harness.Fit().WithRawPayload(payload);

        Assert.Equal(FitFailure.Malformed, await _harness.FailureOf(fit));
    }

    // ---- alg, embedded key, kid ---------------------------------------------------------------

    [Fact]
    public async Task Validate_WithHs256Token_FailsAlgorithm()
    {
        // The classic confusion attack: HMAC keyed with the public key's bytes.
        var publicKey = Some.SigningKey.Rsa.ExportSubjectPublicKeyInfo();
        var fit = _harness.Fit().WithHeader("alg", "HS256");

        var token = fit.BuildWith(input => System.Security.Cryptography.HMACSHA256.HashData(publicKey, input));

        Assert.Equal(FitFailure.Algorithm, (await _harness.ValidateAsync(token)).Failure);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("HS256")]
    [InlineData("HS512")]
    [InlineData("ES256")]
    [InlineData("PS256")]
    [InlineData("RS384")]
    [InlineData("RS512")]
    [InlineData("rs256")]
    [InlineData("RS256 ")]
    [InlineData("")]
    public async Task Validate_WithAlgorithmOtherThanRs256_FailsAlgorithm(string alg)
    {
        var fit = _harness.Fit().WithHeader("alg", alg);

        Assert.Equal(FitFailure.Algorithm, await _harness.FailureOf(fit));
    }

    [Fact]
    public async Task Validate_WithoutAlg_FailsAlgorithm()
    {
        Assert.Equal(FitFailure.Algorithm, await _harness.FailureOf(_harness.Fit().WithoutHeader("alg")));
    }

    [Fact]
    public async Task Validate_WithNonStringAlg_FailsAlgorithm()
    {
        Assert.Equal(FitFailure.Algorithm, await _harness.FailureOf(_harness.Fit().WithHeader("alg", 256)));
    }

    [Fact]
    public async Task Validate_WithUnsignedNoneToken_FailsAlgorithm()
    {
        var token = _harness.Fit().WithHeader("alg", "none").Build();
        var unsigned = token[..(token.LastIndexOf('.') + 1)] + "AA";

        Assert.Equal(FitFailure.Algorithm, (await _harness.ValidateAsync(unsigned)).Failure);
    }

    [Theory]
    [InlineData("jku")]
    [InlineData("x5u")]
    [InlineData("jwk")]
    [InlineData("x5c")]
    public async Task Validate_WithKeyNamedInHeader_FailsEmbeddedKey(string parameter)
    {
        var fit = _harness.Fit().WithHeader(parameter, parameter == "jwk" ? Some.SigningKey.ToJwk() : "https://attacker.test/key");

        Assert.Equal(FitFailure.EmbeddedKey, await _harness.FailureOf(fit));
    }

    [Fact]
    public async Task Validate_WithoutKid_FailsMissingKeyId()
    {
        Assert.Equal(FitFailure.MissingKeyId, await _harness.FailureOf(_harness.Fit().WithoutHeader("kid")));
    }

    [Theory]
    [InlineData("")]
    [InlineData(42)]
    public async Task Validate_WithEmptyOrNonStringKid_FailsMissingKeyId(object kid)
    {
        var fit = _harness.Fit().WithHeader("kid", JsonValue.Create(kid));

        Assert.Equal(FitFailure.MissingKeyId, await _harness.FailureOf(fit));
    }

    // ---- Key lookup -----------------------------------------------------------------------------

    [Fact]
    public async Task Validate_WithKidNotInJwks_FailsUnknownKeyId()
    {
        var fit = _harness.Fit().WithHeader("kid", "not-published").SignedBy(Some.OtherKey);

        Assert.Equal(FitFailure.UnknownKeyId, await _harness.FailureOf(fit));
    }

    [Fact]
    public async Task Validate_WhenJwksUnreachable_FailsKeysUnavailable()
    {
        _harness.Jwks.Unreachable = true;

        Assert.Equal(FitFailure.KeysUnavailable, await _harness.FailureOf(_harness.Fit()));
    }

    [Fact]
    public async Task Validate_WhenJwksAnswers500_FailsKeysUnavailable()
    {
        _harness.Jwks.Status = HttpStatusCode.InternalServerError;

        Assert.Equal(FitFailure.KeysUnavailable, await _harness.FailureOf(_harness.Fit()));
    }

    [Fact]
    public async Task Validate_WithKidOfUnusableJwk_FailsUnknownKeyId()
    {
        // Each of these is published but must never be used to verify a FIT.
        using var harness = new ValidatorHarness(jwks: TestKey.Jwks(
            Some.SigningKey.ToJwk(),
            Some.SmallKey.ToJwk(),
            Some.OtherKey.WithKeyId("for-encryption").ToJwk(use: "enc"),
            Some.OtherKey.WithKeyId("for-ps256").ToJwk(alg: "PS256"),
            Some.OtherKey.WithKeyId("not-rsa").ToJwk(kty: "EC")));

        Assert.Equal(FitFailure.None, await harness.FailureOf(harness.Fit()));
        Assert.Equal(FitFailure.UnknownKeyId, await harness.FailureOf(FitBuilder.Valid(Some.SmallKey, harness.Time.GetUtcNow())));
        foreach (var kid in new[] { "for-encryption", "for-ps256", "not-rsa" })
        {
            var fit = FitBuilder.Valid(Some.OtherKey.WithKeyId(kid), harness.Time.GetUtcNow());
            Assert.Equal(FitFailure.UnknownKeyId, await harness.FailureOf(fit));
        }
    }

    [Fact]
    public async Task Validate_WithJwkWithoutUse_LoadsTheKey()
    {
        using var harness = new ValidatorHarness(jwks: TestKey.Jwks(Some.SigningKey.ToJwk(use: null, alg: null)));

        Assert.Equal(FitFailure.None, await harness.FailureOf(harness.Fit()));
    }

    [Fact]
    public async Task Validate_WithStaleCacheAndFailingJwks_KeepsCachedKeysAndRetriesOncePerInterval()
    {
        Assert.Equal(FitFailure.None, await _harness.FailureOf(_harness.Fit()));
        _harness.Jwks.Status = HttpStatusCode.ServiceUnavailable;
        _harness.Time.Advance(_harness.Options.JwksCacheLifetime);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(FitFailure.None, await _harness.FailureOf(_harness.Fit()));
        }

        await WaitUntil(() => _harness.Jwks.Requests == 2);
        Assert.Equal(FitFailure.None, await _harness.FailureOf(_harness.Fit()));
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Equal(2, _harness.Jwks.Requests);

        _harness.Time.Advance(_harness.Options.JwksRefreshInterval);
        Assert.Equal(FitFailure.None, await _harness.FailureOf(_harness.Fit()));
        await WaitUntil(() => _harness.Jwks.Requests == 3);
    }

    // ---- Signature ----------------------------------------------------------------------------

    [Fact]
    public async Task Validate_WithTamperedPayload_FailsSignature()
    {
        var token = _harness.Fit().Build();
        var parts = token.Split('.');
        var payload = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!;
        payload["app"]!["installationId"] = "ari:cloud:ecosystem::installation/someone-else";
        var tampered = $"{parts[0]}.{Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(payload.ToJsonString()))}.{parts[2]}";

        Assert.Equal(FitFailure.Signature, (await _harness.ValidateAsync(tampered)).Failure);
    }

    [Fact]
    public async Task Validate_WithWrongKeyUnderPublishedKid_FailsSignature()
    {
        var fit = _harness.Fit().SignedBy(Some.OtherKey);

        Assert.Equal(FitFailure.Signature, await _harness.FailureOf(fit));
    }

    [Fact]
    public async Task Validate_WithTruncatedSignature_FailsSignature()
    {
        var token = _harness.Fit().Build();

        Assert.Equal(FitFailure.Signature, (await _harness.ValidateAsync(token[..^4])).Failure);
    }

    [Fact]
    public async Task Validate_WithNonCanonicalSignatureEncoding_FailsSignature()
    {
        // A 256-byte signature ends in a character carrying 2 data bits and 4 zero bits; setting a
        // zero bit keeps the bytes but not the encoding. Only one spelling of a token is accepted.
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var token = _harness.Fit().Build();
        var last = alphabet.IndexOf(token[^1], StringComparison.Ordinal);
        var respelled = token[..^1] + alphabet[last | 1];

        Assert.Equal(FitFailure.Signature, (await _harness.ValidateAsync(respelled)).Failure);
        Assert.Equal(FitFailure.None, (await _harness.ValidateAsync(token)).Failure);
    }

    [Fact]
    public async Task Validate_WithExpiredTokenAndBadSignature_FailsSignatureFirst()
    {
        var fit = _harness.Fit().WithClaim("exp", Some.Now.AddHours(-1).ToUnixTimeSeconds()).SignedBy(Some.OtherKey);

        Assert.Equal(FitFailure.Signature, await _harness.FailureOf(fit));
    }

    // ---- iss, aud -----------------------------------------------------------------------------

    [Theory]
    [InlineData("forge/invocation-token2")]
    [InlineData("Forge/Invocation-Token")]
    [InlineData("https://forge.atlassian.com")]
    public async Task Validate_WithOtherIssuer_FailsIssuer(string issuer)
    {
        Assert.Equal(FitFailure.Issuer, await _harness.FailureOf(_harness.Fit().WithClaim("iss", issuer)));
    }

    [Fact]
    public async Task Validate_WithoutIssuer_FailsIssuer()
    {
        Assert.Equal(FitFailure.Issuer, await _harness.FailureOf(_harness.Fit().WithoutClaim("iss")));
    }

    [Fact]
    public async Task Validate_WithOtherAppAudience_FailsAudience()
    {
        var fit = _harness.Fit().WithClaim("aud", "ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000000");

        Assert.Equal(FitFailure.Audience, await _harness.FailureOf(fit));
    }

    [Fact]
    public async Task Validate_WithBareUuidAudience_FailsAudience()
    {
        Assert.Equal(FitFailure.Audience, await _harness.FailureOf(_harness.Fit().WithClaim("aud", Some.AppUuid)));
    }

    [Fact]
    public async Task Validate_WithAudienceArrayWithoutUs_FailsAudience()
    {
        var fit = _harness.Fit().WithClaim("aud", new JsonArray("ari:cloud:ecosystem::app/other", 7));

        Assert.Equal(FitFailure.Audience, await _harness.FailureOf(fit));
    }

    [Fact]
    public async Task Validate_WithoutAudience_FailsAudience()
    {
        Assert.Equal(FitFailure.Audience, await _harness.FailureOf(_harness.Fit().WithoutClaim("aud")));
    }

    // ---- exp, nbf -----------------------------------------------------------------------------

    [Fact]
    public async Task Validate_AtExactlyExpPlusSkew_FailsExpired()
    {
        var token = _harness.Fit().Build();
        _harness.Time.Advance(TimeSpan.FromSeconds(25) + _harness.Options.ClockSkew);

        Assert.Equal(FitFailure.Expired, (await _harness.ValidateAsync(token)).Failure);
    }

    [Fact]
    public async Task Validate_JustBeforeExpPlusSkew_Succeeds()
    {
        var token = _harness.Fit().Build();
        _harness.Time.Advance(TimeSpan.FromSeconds(25) + _harness.Options.ClockSkew - TimeSpan.FromMilliseconds(1));

        Assert.Equal(FitFailure.None, (await _harness.ValidateAsync(token)).Failure);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("soon")]
    [InlineData(-1)]
    public async Task Validate_WithMissingOrInvalidExp_FailsExpired(object? exp)
    {
        var fit = exp is null ? _harness.Fit().WithoutClaim("exp") : _harness.Fit().WithClaim("exp", JsonValue.Create(exp));

        Assert.Equal(FitFailure.Expired, await _harness.FailureOf(fit));
    }

    [Fact]
    public async Task Validate_WithNbfBeyondSkewInFuture_FailsNotYetValid()
    {
        var nbf = Some.Now + _harness.Options.ClockSkew + TimeSpan.FromSeconds(1);
        var fit = _harness.Fit().WithClaim("nbf", nbf.ToUnixTimeSeconds());

        Assert.Equal(FitFailure.NotYetValid, await _harness.FailureOf(fit));
    }

    [Fact]
    public async Task Validate_WithNbfExactlySkewInFuture_Succeeds()
    {
        var nbf = Some.Now + _harness.Options.ClockSkew;
        var fit = _harness.Fit().WithClaim("nbf", nbf.ToUnixTimeSeconds());

        Assert.Equal(FitFailure.None, await _harness.FailureOf(fit));
    }

    [Fact]
    public async Task Validate_WithoutNbf_FailsNotYetValid()
    {
        Assert.Equal(FitFailure.NotYetValid, await _harness.FailureOf(_harness.Fit().WithoutClaim("nbf")));
    }

    [Fact]
    public async Task Validate_WithFractionalNumericDates_Succeeds()
    {
        var fit = _harness.Fit()
            .WithClaim("nbf", Some.Now.ToUnixTimeSeconds() + 0.5)
            .WithClaim("exp", Some.Now.ToUnixTimeSeconds() + 25.5);

        Assert.Equal(FitFailure.None, await _harness.FailureOf(fit));
    }

    // ---- Claims -------------------------------------------------------------------------------

    [Fact]
    public async Task Validate_WithoutInstallationId_FailsMissingClaims()
    {
        Assert.Equal(FitFailure.MissingClaims, await _harness.FailureOf(_harness.Fit().WithoutClaim("app.installationId")));
    }

    [Theory]
    [InlineData("app.installationId", "")]
    [InlineData("app.installationId", 12345)]
    [InlineData("app.id", "")]
    [InlineData("app", "not an object")]
    [InlineData("app.apiBaseUrl", "not a url")]
    [InlineData("app.apiBaseUrl", "ftp://api.atlassian.com")]
    [InlineData("app.license.isActive", "yes")]
    [InlineData("context", 1)]
    [InlineData("context.siteUrl", "/relative")]
    [InlineData("context.cloudId", true)]
    [InlineData("principal", 7)]
    [InlineData("jti", 7)]
    public async Task Validate_WithMalformedClaim_FailsMissingClaims(string path, object value)
    {
        var fit = _harness.Fit().WithClaim(path, JsonValue.Create(value));

        Assert.Equal(FitFailure.MissingClaims, await _harness.FailureOf(fit));
    }

    [Fact]
    public async Task Validate_WithPrincipalObject_FailsMissingClaims()
    {
        var fit = _harness.Fit().WithClaim("principal", new JsonObject { ["accountId"] = Some.AccountId });

        Assert.Equal(FitFailure.MissingClaims, await _harness.FailureOf(fit));
    }

    [Fact]
    public async Task Validate_WithoutApp_FailsMissingClaims()
    {
        Assert.Equal(FitFailure.MissingClaims, await _harness.FailureOf(_harness.Fit().WithoutClaim("app")));
    }

    // ---- Replay -------------------------------------------------------------------------------

    [Fact]
    public async Task Validate_SameTokenTwice_FailsReplayed()
    {
        var token = _harness.Fit().Build();

        Assert.Equal(FitFailure.None, (await _harness.ValidateAsync(token)).Failure);
        Assert.Equal(FitFailure.Replayed, (await _harness.ValidateAsync(token)).Failure);
    }

    [Fact]
    public async Task Validate_OtherTokenWithSeenJti_FailsReplayed()
    {
        Assert.Equal(FitFailure.None, await _harness.FailureOf(_harness.Fit().WithClaim("jti", "same")));
        Assert.Equal(FitFailure.Replayed, await _harness.FailureOf(_harness.Fit().WithClaim("jti", "same")));
    }

    [Fact]
    public async Task Validate_WithoutJti_FailsReplayed()
    {
        Assert.Equal(FitFailure.Replayed, await _harness.FailureOf(_harness.Fit().WithoutClaim("jti")));
    }

    [Fact]
    public async Task Validate_ForgedTokenWithFreshJti_DoesNotBurnTheJti()
    {
        var forged = _harness.Fit().WithClaim("jti", "victim").SignedBy(Some.OtherKey);
        var expiredButSigned = _harness.Fit().WithClaim("jti", "victim").WithClaim("exp", Some.Now.AddMinutes(-5).ToUnixTimeSeconds());

        Assert.Equal(FitFailure.Signature, await _harness.FailureOf(forged));
        Assert.Equal(FitFailure.Expired, await _harness.FailureOf(expiredButSigned));
        Assert.Equal(FitFailure.None, await _harness.FailureOf(_harness.Fit().WithClaim("jti", "victim")));
    }

    [Fact]
    public async Task Validate_JtiReusedAfterFirstTokenExpired_IsAccepted()
    {
        var first = _harness.Fit().WithClaim("jti", "reused").Build();
        Assert.Equal(FitFailure.None, (await _harness.ValidateAsync(first)).Failure);

        _harness.Time.Advance(TimeSpan.FromSeconds(25) + _harness.Options.ClockSkew);

        Assert.Equal(FitFailure.Expired, (await _harness.ValidateAsync(first)).Failure);
        Assert.Equal(FitFailure.None, await _harness.FailureOf(_harness.Fit().WithClaim("jti", "reused")));
    }

    [Fact]
    public async Task Validate_WhenReplayCacheIsFullOfLiveIds_RejectsUntilTheyExpire()
    {
        using var harness = new ValidatorHarness(o => o.ReplayCacheCapacity = 2);

        Assert.Equal(FitFailure.None, await harness.FailureOf(harness.Fit()));
        Assert.Equal(FitFailure.None, await harness.FailureOf(harness.Fit()));
        Assert.Equal(FitFailure.Replayed, await harness.FailureOf(harness.Fit()));

        harness.Time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(FitFailure.None, await harness.FailureOf(harness.Fit()));
        Assert.Equal(FitFailure.None, await harness.FailureOf(harness.Fit()));
        Assert.Equal(FitFailure.Replayed, await harness.FailureOf(harness.Fit()));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    [Fact]
    public async Task Validate_WhileReplayCacheStaysFull_WarnsOncePerInterval()
    {
        using var harness = new ValidatorHarness(o => o.ReplayCacheCapacity = 1);
        Assert.Equal(FitFailure.None, await harness.FailureOf(harness.Fit()));

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(FitFailure.Replayed, await harness.FailureOf(harness.Fit()));
        }

        Assert.Single(harness.Logs.Entries, e => e.EventId.Id == 1020);

        harness.Time.Advance(ForgeInvocationTokenValidator.ReplayCacheFullWarningInterval);
        Assert.Equal(FitFailure.Replayed, await harness.FailureOf(harness.Fit()));

        Assert.Equal(2, harness.Logs.Entries.Count(e => e.EventId.Id == 1020));
    }

    // ---- Robustness ---------------------------------------------------------------------------

    [Fact]
    public async Task Validate_WithRandomMutationsOfAValidToken_NeverThrowsNorSucceeds()
    {
        var token = _harness.Fit().Build();
        var random = new Random(20261128);
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";

        for (var i = 0; i < 500; i++)
        {
            var chars = token.ToCharArray();
            var position = random.Next(chars.Length);
            var replacement = alphabet[random.Next(alphabet.Length)];
            if (chars[position] == replacement)
            {
                continue;
            }

            chars[position] = replacement;
            var result = await _harness.ValidateAsync(new string(chars));

            Assert.False(result.Succeeded, $"mutation at {position} was accepted");
        }
    }
}
