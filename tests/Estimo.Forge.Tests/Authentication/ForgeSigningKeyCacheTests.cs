using Estimo.Forge.Authentication;
using Estimo.Forge.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Estimo.Forge.Tests.Authentication;

/// <summary>
/// The JWKS cache over real HTTP: Kestrel on loopback, the production DI registration (so the
/// no-redirect handler and timeouts are the real ones), and a fake clock for the rate limits.
/// </summary>
public sealed class ForgeSigningKeyCacheTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(Some.Now);
    private JwksServer _server = null!;
    private ServiceProvider _services = null!;

    private IForgeInvocationTokenValidator Validator => _services.GetRequiredService<IForgeInvocationTokenValidator>();

    private IForgeSigningKeys Keys => _services.GetRequiredService<IForgeSigningKeys>();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _server = await JwksServer.StartAsync(TestKey.Jwks(Some.SigningKey));
        _services = BuildServices(_server.JwksUrl);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task KeysPublishedOverHttp_AreLoadedAndVerifyTokens()
    {
        var result = await Validator.ValidateAsync(Fit().Build(), Cancel);

        Assert.True(result.Succeeded, result.Failure.ToString());
        Assert.True(Keys.IsLoaded);
        Assert.Equal(1, _server.Requests);
    }

    [Fact]
    public async Task KnownKid_IsServedFromCache_WithoutFurtherRequests()
    {
        for (var i = 0; i < 5; i++)
        {
            Assert.True((await Validator.ValidateAsync(Fit().Build(), Cancel)).Succeeded);
        }

        Assert.Equal(1, _server.Requests);
    }

    [Fact]
    public async Task UnknownKid_RefreshesOnce_AndAnotherUnknownKidWithin30Seconds_DoesNotFetchAgain()
    {
        Assert.True(await Keys.EnsureLoadedAsync(Cancel));
        Assert.Equal(1, _server.Requests);

        // The first load happened "now"; move past the interval so one refresh is permitted.
        _time.Advance(TimeSpan.FromSeconds(31));
        var first = await Validator.ValidateAsync(FitSignedAs("unknown-1").Build(), Cancel);
        Assert.Equal(FitFailure.UnknownKeyId, first.Failure);
        Assert.Equal(2, _server.Requests);

        _time.Advance(TimeSpan.FromSeconds(29));
        var second = await Validator.ValidateAsync(FitSignedAs("unknown-2").Build(), Cancel);
        Assert.Equal(FitFailure.UnknownKeyId, second.Failure);
        Assert.Equal(2, _server.Requests);
    }

    [Fact]
    public async Task ConcurrentCallersWithAnUnknownKid_ShareOneFetch()
    {
        Assert.True(await Keys.EnsureLoadedAsync(Cancel));
        _time.Advance(TimeSpan.FromSeconds(31));
        var rotated = Some.OtherKey.WithKeyId("rotated-concurrent");
        _server.Jwks = TestKey.Jwks(Some.SigningKey, rotated);
        _server.Delay = TimeSpan.FromMilliseconds(300);

        var validations = Enumerable.Range(0, 20)
            .Select(_ => Validator.ValidateAsync(FitBuilder.Valid(rotated, _time.GetUtcNow()).Build(), Cancel).AsTask());
        var results = await Task.WhenAll(validations);

        Assert.All(results, r => Assert.True(r.Succeeded, r.Failure.ToString()));
        Assert.Equal(2, _server.Requests);
    }

    [Fact]
    public async Task RotatedKey_IsPickedUpOnceTheRefreshIntervalHasPassed()
    {
        Assert.True(await Keys.EnsureLoadedAsync(Cancel));
        var rotated = Some.OtherKey.WithKeyId("rotated-later");

        // Within the interval of the first load: no fetch, so the new key is not known yet.
        _server.Jwks = TestKey.Jwks(Some.SigningKey, rotated);
        var early = await Validator.ValidateAsync(FitBuilder.Valid(rotated, _time.GetUtcNow()).Build(), Cancel);
        Assert.Equal(FitFailure.UnknownKeyId, early.Failure);
        Assert.Equal(1, _server.Requests);

        _time.Advance(TimeSpan.FromSeconds(30));
        var later = await Validator.ValidateAsync(FitBuilder.Valid(rotated, _time.GetUtcNow()).Build(), Cancel);

        Assert.True(later.Succeeded, later.Failure.ToString());
        Assert.Equal(2, _server.Requests);
    }

    [Fact]
    public async Task CacheLifetimePassed_RefreshesInTheBackground_WhileOldKeysKeepWorking()
    {
        Assert.True(await Keys.EnsureLoadedAsync(Cancel));
        _time.Advance(TimeSpan.FromHours(1));

        var result = await Validator.ValidateAsync(Fit().Build(), Cancel);

        Assert.True(result.Succeeded, result.Failure.ToString());
        await WaitUntil(() => _server.Requests == 2);
    }

    [Fact]
    public async Task ServerDown_FailsKeysUnavailable_WithoutThrowing()
    {
        await _server.StopAsync();

        var result = await Validator.ValidateAsync(Fit().Build(), Cancel);

        Assert.Equal(FitFailure.KeysUnavailable, result.Failure);
        Assert.False(Keys.IsLoaded);
    }

    [Fact]
    public async Task ServerDownAfterLoad_KeepsVerifyingWithCachedKeys()
    {
        Assert.True(await Keys.EnsureLoadedAsync(Cancel));
        await _server.StopAsync();
        _time.Advance(TimeSpan.FromHours(2));

        var result = await Validator.ValidateAsync(Fit().Build(), Cancel);

        Assert.True(result.Succeeded, result.Failure.ToString());
    }

    [Fact]
    public async Task UnknownKidWhileServerDown_FailsKeysUnavailable()
    {
        Assert.True(await Keys.EnsureLoadedAsync(Cancel));
        await _server.StopAsync();
        _time.Advance(TimeSpan.FromSeconds(31));

        var result = await Validator.ValidateAsync(FitSignedAs("unknown-while-down").Build(), Cancel);

        Assert.Equal(FitFailure.KeysUnavailable, result.Failure);
    }

    [Fact]
    public async Task RedirectResponse_IsAFailedFetch_AndIsNotFollowed()
    {
        await using var services = BuildServices(_server.RedirectingUrl);
        var validator = services.GetRequiredService<IForgeInvocationTokenValidator>();

        var result = await validator.ValidateAsync(Fit().Build(), Cancel);

        Assert.Equal(FitFailure.KeysUnavailable, result.Failure);
        Assert.Equal(0, _server.Requests);
    }

    [Fact]
    public async Task EnsureLoadedAsync_LoadsOnce_AndIsLoadedTurnsTrue()
    {
        Assert.False(Keys.IsLoaded);

        Assert.True(await Keys.EnsureLoadedAsync(Cancel));
        Assert.True(await Keys.EnsureLoadedAsync(Cancel));

        Assert.True(Keys.IsLoaded);
        Assert.Equal(1, _server.Requests);
    }

    [Fact]
    public async Task EnsureLoadedAsync_WhenServerDown_ReturnsFalseWithoutThrowing()
    {
        await _server.StopAsync();

        Assert.False(await Keys.EnsureLoadedAsync(Cancel));
        Assert.False(Keys.IsLoaded);
    }

    [Fact]
    public async Task JwksWithoutUsableKeys_IsAFailedFetch()
    {
        _server.Jwks = TestKey.Jwks(Some.SmallKey);

        Assert.False(await Keys.EnsureLoadedAsync(Cancel));
        Assert.Equal(FitFailure.KeysUnavailable, (await Validator.ValidateAsync(Fit().Build(), Cancel)).Failure);
    }

    [Fact]
    public void Registration_ExposesOneKeyCacheAsIForgeSigningKeys()
    {
        Assert.Same(_services.GetRequiredService<ForgeSigningKeyCache>(), Keys);
        Assert.Same(Validator, Validator);
    }

    [Fact]
    public async Task Logs_NeverContainTokensOrKeyMaterial()
    {
        using var capture = new CapturingLoggerProvider();
        await using var services = BuildServices(_server.JwksUrl, capture);
        var validator = services.GetRequiredService<IForgeInvocationTokenValidator>();
        var good = Fit().Build();
        var forged = Fit().SignedBy(Some.OtherKey).Build();
        var unknownKid = FitSignedAs("never-published").Build();

        await validator.ValidateAsync(good, Cancel);
        await validator.ValidateAsync(good, Cancel);
        await validator.ValidateAsync(forged, Cancel);
        await validator.ValidateAsync(unknownKid, Cancel);
        await _server.StopAsync();
        _time.Advance(TimeSpan.FromHours(2));
        await validator.ValidateAsync(FitSignedAs("while-down").Build(), Cancel);

        Assert.Contains(capture.Entries, e => e.EventId.Id == 1003);
        Assert.Contains(capture.Entries, e => e.EventId.Id == 1002);
        var modulus = Some.SigningKey.ToJwk()["n"]!.GetValue<string>();
        foreach (var (_, text) in capture.Entries)
        {
            foreach (var token in new[] { good, forged, unknownKid })
            {
                foreach (var segment in token.Split('.'))
                {
                    Assert.DoesNotContain(segment, text, StringComparison.Ordinal);
                }
            }

            Assert.DoesNotContain(modulus[..32], text, StringComparison.Ordinal);
        }
    }

    private FitBuilder Fit() => Some.Fit(_time.GetUtcNow());

    private FitBuilder FitSignedAs(string keyId) => FitBuilder.Valid(Some.OtherKey.WithKeyId(keyId), _time.GetUtcNow());

    private ServiceProvider BuildServices(Uri jwksUrl, CapturingLoggerProvider? logs = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Forge:AppId"] = Some.AppUuid,
                ["Forge:JwksUrl"] = jwksUrl.ToString(),
            })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging(logging =>
        {
            if (logs is not null)
            {
                logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace);
            }
        });
        services.AddSingleton<TimeProvider>(_time);
        services.AddForgeInvocationTokens(configuration);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
