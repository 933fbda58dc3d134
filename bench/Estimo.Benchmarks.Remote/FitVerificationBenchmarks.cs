using System.Net;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using Estimo.Bench.Tokens;
using Estimo.Forge;
using Estimo.Forge.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Estimo.Benchmarks.Remote;

/// <summary>
/// The full FIT check the remote runs on every request (signature, claims, audience, expiry,
/// replay), through the registered <see cref="IForgeInvocationTokenValidator"/>, against the bare
/// RSA-2048 signature verification it contains. Every call gets its own pre-minted token,
/// because a token seen twice is rejected as a replay.
/// </summary>
public class FitVerificationBenchmarks
{
    private WebApplication _jwks = null!;
    private ServiceProvider _services = null!;
    private IForgeInvocationTokenValidator _validator = null!;
    private string[] _tokens = [];
    private int _next;
    private RSA _publicKey = null!;
    private byte[] _signingInput = [];
    private byte[] _signature = [];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        using var signer = FitSigner.Create();
        var jwksJson = signer.JwksJson();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _jwks = builder.Build();
        _jwks.MapGet("/jwks.json", () => Results.Text(jwksJson, "application/json"));
        await _jwks.StartAsync();
        var address = _jwks.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Forge:AppId"] = FitSigner.AppUuid,
            ["Forge:JwksUrl"] = address + "/jwks.json",
        }).Build();
        _services = new ServiceCollection().AddLogging().AddForgeInvocationTokens(configuration).BuildServiceProvider();
        if (!await _services.GetRequiredService<IForgeSigningKeys>().EnsureLoadedAsync(CancellationToken.None))
        {
            throw new InvalidOperationException("The JWKS did not load.");
        }

        _validator = _services.GetRequiredService<IForgeInvocationTokenValidator>();

        var tokens = new string[MicroJob.TotalInvocations];
        Parallel.For(0, tokens.Length, i => tokens[i] = signer.Mint(FitSigner.Account(i % 1000), TimeSpan.FromHours(1)));
        _tokens = tokens;

        var sample = tokens[0];
        var lastDot = sample.LastIndexOf('.');
        _signingInput = Encoding.ASCII.GetBytes(sample[..lastDot]);
        _signature = System.Buffers.Text.Base64Url.DecodeFromChars(sample.AsSpan(lastDot + 1));
        _publicKey = RSA.Create();
        _publicKey.ImportParameters(signer.PublicParameters());
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _services.DisposeAsync();
        await _jwks.DisposeAsync();
        _publicKey.Dispose();
    }

    [Benchmark(Description = "RSA-2048 PKCS#1 v1.5 SHA-256 verify alone")]
    public bool RsaVerifyAlone() =>
        _publicKey.VerifyData(_signingInput, _signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    [Benchmark(Baseline = true, Description = "Full FIT validation (unique token per call)")]
    public FitValidationResult ValidateFit()
    {
        var index = _next++;
        if (index >= _tokens.Length)
        {
            throw new InvalidOperationException("Ran out of pre-minted tokens; raise MicroJob.TotalInvocations.");
        }

        var result = _validator.ValidateAsync(_tokens[index], CancellationToken.None);
        var outcome = result.IsCompletedSuccessfully ? result.Result : result.AsTask().GetAwaiter().GetResult();
        return outcome.Succeeded ? outcome : throw new InvalidOperationException($"Validation failed: {outcome.Failure}");
    }
}
