using Estimo.Forge.Tests.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Estimo.Forge.Tests;

public sealed class ForgeOptionsValidatorTests
{
    private readonly ForgeOptionsValidator _validator = new();

    [Fact]
    public void Validate_WithDefaultsAndAnAppId_Succeeds()
    {
        var result = _validator.Validate(null, new ForgeOptions { AppId = Some.AppUuid });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_WithEveryBadSetting_ReportsAllAtOnceWithFullNames()
    {
        var options = new ForgeOptions
        {
            AppId = "",
            JwksUrl = new Uri("http://keys.example.com/jwks.json"),
            ClockSkew = TimeSpan.FromMinutes(2),
            JwksRefreshInterval = TimeSpan.FromMilliseconds(500),
            JwksCacheLifetime = TimeSpan.Zero,
            ReplayCacheCapacity = 0,
        };

        var result = _validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(
            [
                "Forge:AppId is required.",
                "Forge:JwksUrl must use https unless it is a loopback address.",
                "Forge:ClockSkew must be between 0 and 60 seconds.",
                "Forge:JwksRefreshInterval must be at least 1 second.",
                "Forge:JwksCacheLifetime must be at least 1 second.",
                "Forge:ReplayCacheCapacity must be greater than 0.",
            ],
            result.Failures);
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("ari:cloud:ecosystem::app/not-a-uuid")]
    [InlineData("ari:cloud:ecosystem::app/")]
    [InlineData("{3b1f4f4e-7c1c-4d7e-9a52-6f0a2c9d8e11}")]
    [InlineData("ari:cloud:jira::site/3b1f4f4e-7c1c-4d7e-9a52-6f0a2c9d8e11")]
    public void Validate_WithAppIdThatIsNeitherUuidNorAppAri_Fails(string appId)
    {
        var result = _validator.Validate(null, new ForgeOptions { AppId = appId });

        Assert.Equal(["Forge:AppId must be a UUID or 'ari:cloud:ecosystem::app/<uuid>'."], result.Failures);
    }

    [Theory]
    [InlineData(Some.AppUuid)]
    [InlineData(Some.AppAri)]
    public void Validate_WithAppIdAsUuidOrAri_Succeeds(string appId)
    {
        Assert.True(_validator.Validate(null, new ForgeOptions { AppId = appId }).Succeeded);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000/jwks.json")]
    [InlineData("http://127.10.20.30/jwks.json")]
    [InlineData("http://[::1]:8080/jwks.json")]
    [InlineData("http://localhost:8080/jwks.json")]
    [InlineData("https://keys.example.com/jwks.json")]
    public void Validate_WithHttpsOrLoopbackJwksUrl_Succeeds(string url)
    {
        var result = _validator.Validate(null, new ForgeOptions { AppId = Some.AppUuid, JwksUrl = new Uri(url) });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("http://keys.example.com/jwks.json")]
    [InlineData("http://10.0.0.1/jwks.json")]
    [InlineData("http://localhost.example.com/jwks.json")]
    [InlineData("http://128.0.0.1/jwks.json")]
    [InlineData("ftp://127.0.0.1/jwks.json")]
    [InlineData("file:///etc/jwks.json")]
    public void Validate_WithPlainHttpOffLoopbackOrOtherScheme_Fails(string url)
    {
        var result = _validator.Validate(null, new ForgeOptions { AppId = Some.AppUuid, JwksUrl = new Uri(url) });

        Assert.Equal(["Forge:JwksUrl must use https unless it is a loopback address."], result.Failures);
    }

    [Fact]
    public void Validate_WithRelativeJwksUrl_Fails()
    {
        var result = _validator.Validate(null, new ForgeOptions { AppId = Some.AppUuid, JwksUrl = new Uri("/jwks.json", UriKind.Relative) });

        Assert.Equal(["Forge:JwksUrl must be an absolute URL."], result.Failures);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(61)]
    public void Validate_WithClockSkewOutOfRange_Fails(int seconds)
    {
        var result = _validator.Validate(null, new ForgeOptions { AppId = Some.AppUuid, ClockSkew = TimeSpan.FromSeconds(seconds) });

        Assert.Equal(["Forge:ClockSkew must be between 0 and 60 seconds."], result.Failures);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(60)]
    public void Validate_WithClockSkewAtRangeEdges_Succeeds(int seconds)
    {
        Assert.True(_validator.Validate(null, new ForgeOptions { AppId = Some.AppUuid, ClockSkew = TimeSpan.FromSeconds(seconds) }).Succeeded);
    }

    [Fact]
    public async Task HostStart_WithBadForgeSection_FailsWithEveryError()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Forge:JwksUrl"] = "http://keys.example.com/jwks.json",
            ["Forge:ReplayCacheCapacity"] = "-5",
        });
        builder.Services.AddForgeInvocationTokens(builder.Configuration);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Forge:AppId is required.", error.Failures);
        Assert.Contains("Forge:JwksUrl must use https unless it is a loopback address.", error.Failures);
        Assert.Contains("Forge:ReplayCacheCapacity must be greater than 0.", error.Failures);
    }

    [Fact]
    public async Task HostStart_WithGoodForgeSection_Starts()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Forge:AppId"] = Some.AppAri,
            ["Forge:JwksUrl"] = "http://127.0.0.1:9/jwks.json",
            ["Forge:ClockSkew"] = "00:00:10",
        });
        builder.Services.AddForgeInvocationTokens(builder.Configuration);
        using var host = builder.Build();

        await host.StartAsync(TestContext.Current.CancellationToken);

        Assert.Equal(TimeSpan.FromSeconds(10), host.Services.GetRequiredService<IOptions<ForgeOptions>>().Value.ClockSkew);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }
}
