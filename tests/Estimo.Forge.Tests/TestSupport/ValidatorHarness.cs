using Estimo.Forge.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Estimo.Forge.Tests.TestSupport;

/// <summary>The validator wired to an in-memory JWKS and a fake clock.</summary>
internal sealed class ValidatorHarness : IDisposable
{
    public ValidatorHarness(Action<ForgeOptions>? configure = null, string? jwks = null)
    {
        Options = new ForgeOptions { AppId = Some.AppUuid, JwksUrl = new Uri("https://jwks.test/.well-known/jwks.json") };
        configure?.Invoke(Options);
        Jwks = new StubJwksHandler(jwks ?? TestKey.Jwks(Some.SigningKey));
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        _loggerFactory = LoggerFactory.Create(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        Keys = new ForgeSigningKeyCache(Jwks, options, Time, _loggerFactory.CreateLogger<ForgeSigningKeyCache>());
        Validator = new ForgeInvocationTokenValidator(Keys, options, Time, _loggerFactory.CreateLogger<ForgeInvocationTokenValidator>());
    }

    private readonly ILoggerFactory _loggerFactory;

    public FakeTimeProvider Time { get; } = new(Some.Now);

    public CapturingLoggerProvider Logs { get; } = new();

    public ForgeOptions Options { get; }

    public StubJwksHandler Jwks { get; }

    public ForgeSigningKeyCache Keys { get; }

    public ForgeInvocationTokenValidator Validator { get; }

    /// <summary>A valid FIT issued now by the harness clock.</summary>
    public FitBuilder Fit() => Some.Fit(Time.GetUtcNow());

    public async Task<FitValidationResult> ValidateAsync(string token) =>
        await Validator.ValidateAsync(token, TestContext.Current.CancellationToken);

    public async Task<FitFailure> FailureOf(FitBuilder fit) => (await ValidateAsync(fit.Build())).Failure;

    public void Dispose()
    {
        Keys.Dispose();
        Jwks.Dispose();
        _loggerFactory.Dispose();
    }
}
