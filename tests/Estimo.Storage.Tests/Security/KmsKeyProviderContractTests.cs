using System.Text;
using Amazon.Runtime;
using Estimo.Core.Installations;
using Estimo.Core.Security;
using Estimo.Storage.Security;
using Estimo.Storage.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Estimo.Storage.Tests.Security;

/// <summary>
/// Contract tests of <see cref="KmsKeyProvider"/> with the real AWS SDK against
/// <see cref="FakeKmsServer"/>, a local endpoint speaking KMS's documented JSON protocol.
/// They prove the requests we send and how we read answers and errors; they do not prove
/// KMS itself (IAM, key policies, real latency), which cannot be reached from here.
/// </summary>
public sealed class KmsKeyProviderContractTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private FakeKmsServer _kms = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _kms = await FakeKmsServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _kms.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    [Fact]
    public async Task GenerateDataKey_SendsTheDocumentedRequest_AndReturnsA256BitKey()
    {
        using var provider = Provider();

        var key = await provider.GenerateDataKeyAsync(new DataKeyContext("i-1", 3), Ct);

        Assert.Equal(32, key.Plaintext.Length);
        Assert.Equal(FakeKmsServer.KeyArn, key.KekId);
        var request = Assert.Single(_kms.Requests);
        Assert.Equal("TrentService.GenerateDataKey", request.Target);
        Assert.StartsWith("application/x-amz-json-1.1", request.ContentType, StringComparison.Ordinal);
        Assert.Equal(FakeKmsServer.KeyArn, request.Body["KeyId"]!.GetValue<string>());
        Assert.Equal("AES_256", request.Body["KeySpec"]!.GetValue<string>());
        Assert.Equal("i-1", request.Body["EncryptionContext"]!["estimo:installation"]!.GetValue<string>());
        Assert.Equal("3", request.Body["EncryptionContext"]!["estimo:dek-version"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unwrap_WhatGenerateDataKeyWrapped_ReturnsTheSameKeyThroughDecrypt()
    {
        using var provider = Provider();
        var context = new DataKeyContext("i-1", 1);
        var key = await provider.GenerateDataKeyAsync(context, Ct);

        var unwrapped = await provider.UnwrapAsync(key.KekId, key.Wrapped, context, Ct);

        Assert.Equal(key.Plaintext, unwrapped);
        var decrypt = _kms.Requests.Last();
        Assert.Equal("TrentService.Decrypt", decrypt.Target);
        Assert.Equal(Convert.ToBase64String(key.Wrapped), decrypt.Body["CiphertextBlob"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unwrap_UnderAnotherInstallationsContext_FailsWithInvalidCiphertext()
    {
        using var provider = Provider();
        var key = await provider.GenerateDataKeyAsync(new DataKeyContext("i-1", 1), Ct);

        var exception = await Assert.ThrowsAsync<KeyProviderException>(() => provider.UnwrapAsync(key.KekId, key.Wrapped, new DataKeyContext("i-2", 1), Ct));

        Assert.Contains("InvalidCiphertextException", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unwrap_UnderAKeyKmsDoesNotKnow_ThrowsUnknownKek()
    {
        using var provider = Provider();
        var key = await provider.GenerateDataKeyAsync(new DataKeyContext("i-1", 1), Ct);

        await Assert.ThrowsAsync<UnknownKekException>(() => provider.UnwrapAsync("arn:aws:kms:eu-central-1:123456789012:key/gone", key.Wrapped, new DataKeyContext("i-1", 1), Ct));
    }

    [Fact]
    public async Task Rewrap_ThroughEncrypt_StillUnwraps()
    {
        using var provider = Provider();
        var context = new DataKeyContext("i-1", 1);
        var key = await provider.GenerateDataKeyAsync(context, Ct);

        var rewrapped = await provider.WrapAsync(key.Plaintext, context, Ct);

        Assert.Equal(key.Plaintext, await provider.UnwrapAsync(rewrapped.KekId, rewrapped.Wrapped, context, Ct));
        Assert.Equal(1, _kms.Count("Encrypt"));
    }

    [Fact]
    public async Task Startup_WhenKmsAnswersAnError_RefusesNamingTheKeyAndTheError()
    {
        _kms.FailWith = "AccessDeniedException";
        await using var services = Build();

        var exception = await Assert.ThrowsAsync<KeyProviderException>(() => StartAsync(services));

        Assert.Contains("AccessDeniedException", exception.Message, StringComparison.Ordinal);
        Assert.Contains(FakeKmsServer.KeyArn, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_WhenTheKeyDoesNotExist_RefusesNamingNotFound()
    {
        await using var services = Build(keyArn: "arn:aws:kms:eu-central-1:123456789012:key/missing");

        var exception = await Assert.ThrowsAsync<KeyProviderException>(() => StartAsync(services));

        Assert.Contains("NotFoundException", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Protector_OnKms_RoundTrips_AndServesRepeatedReadsFromTheCacheWithoutCallingKms()
    {
        await using var services = Build();
        await StartAsync(services);
        var registration = Some.Registration();
        await services.GetRequiredService<IInstallationStore>().RecordInstalledAsync(registration, Ct);
        var tokens = services.GetRequiredService<ISystemTokenCache>();
        var token = Some.Token();
        await tokens.StoreAsync(registration.InstallationId, token, DateTimeOffset.UtcNow.AddHours(1), Ct);
        var callsAfterFirstUse = _kms.Requests.Count;

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(token, await tokens.FindValidAsync(registration.InstallationId, Ct));
            await tokens.StoreAsync(registration.InstallationId, token, DateTimeOffset.UtcNow.AddHours(1), Ct);
        }

        Assert.True(_kms.Requests.Count - callsAfterFirstUse <= 1, $"{_kms.Requests.Count - callsAfterFirstUse} KMS calls for 40 cached operations");
        Assert.Equal(2, _kms.Count("GenerateDataKey")); // the start-up probe and the installation's data key
    }

    private KmsKeyProvider Provider(string keyArn = FakeKmsServer.KeyArn) =>
        new(new KmsOptions { KeyArn = keyArn, ServiceUrl = _kms.Url }, new BasicAWSCredentials("AKIDEXAMPLE", "not-a-secret"));

    private ServiceProvider Build(string keyArn = FakeKmsServer.KeyArn)
    {
        var services = new ServiceCollection();
        services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("AKIDEXAMPLE", "not-a-secret"));
        services.AddEstimoStorage(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = _directory.Combine("data"),
            ["Storage:ApplyMigrationsOnStartup"] = "true",
            ["Security:KeyProvider"] = "Kms",
            ["Security:Kms:KeyArn"] = keyArn,
            ["Security:Kms:ServiceUrl"] = _kms.Url.ToString(),
        }).Build());
        return services.BuildServiceProvider();
    }

    private static async Task StartAsync(IServiceProvider services)
    {
        foreach (var hosted in services.GetServices<IHostedService>())
        {
            await hosted.StartAsync(Ct);
        }
    }
}
