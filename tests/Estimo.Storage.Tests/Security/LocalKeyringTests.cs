using System.Text;
using System.Text.Json;
using Estimo.Core.Security;
using Estimo.Storage.Security;
using Estimo.Storage.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Storage.Tests.Security;

/// <summary>The local keyring file: creation, refusal of bad files, import of the former key file.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LocalKeyringTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Keyring => _directory.Combine("keys", "keyring.json");

    private string LegacyKeyFile => _directory.Combine("keys", "local.key");

    [Fact]
    public async Task Check_FirstRun_CreatesAnOwnerOnlyKeyringWithOnePrimaryKek()
    {
        var provider = new LocalKeyProvider(Keyring);

        await provider.CheckAsync(Ct);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Keyring));
        using var document = JsonDocument.Parse(File.ReadAllBytes(Keyring));
        Assert.Equal(2, document.RootElement.GetProperty("version").GetInt32());
        Assert.Equal(provider.PrimaryKekId, document.RootElement.GetProperty("primary").GetString());
        Assert.Single(provider.KekIds);
        Assert.Equal(32, Convert.FromBase64String(document.RootElement.GetProperty("keys")[0].GetProperty("key").GetString()!).Length);
    }

    [Fact]
    public async Task Check_KeyringReadableByGroup_RefusesNamingTheFileAndTheFix()
    {
        await new LocalKeyProvider(Keyring).CheckAsync(Ct);
        File.SetUnixFileMode(Keyring, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var exception = await Assert.ThrowsAsync<LocalKeyFileException>(() => new LocalKeyProvider(Keyring).CheckAsync(Ct));

        Assert.Contains(Keyring, exception.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 600", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "corrupted")]
    [InlineData("""{"version":2,"primary":"kek-a","keys":[{"id":"kek-a","key":"c2hvcnQ="}]}""", "not 32 bytes")]
    [InlineData("""{"version":2,"primary":"kek-b","keys":[{"id":"kek-a","key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}]}""", "primary key 'kek-b' is missing")]
    [InlineData("""{"version":2,"keys":[{"id":"kek-a","key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}]}""", "names no primary")]
    [InlineData("""{"version":2,"primary":"kek-a","keys":[]}""", "corrupted")]
    public async Task Check_BadKeyring_RefusesNamingTheProblem(string content, string problem)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Keyring)!);
        File.WriteAllText(Keyring, content);
        File.SetUnixFileMode(Keyring, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var exception = await Assert.ThrowsAsync<LocalKeyFileException>(() => new LocalKeyProvider(Keyring).CheckAsync(Ct));

        Assert.Contains(problem, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_WithTheFormerKeyFile_ImportsItAsPrimary_AndFormat1ValuesStillOpen()
    {
        var legacyKey = new byte[32];
        Random.Shared.NextBytes(legacyKey);
        Directory.CreateDirectory(Path.GetDirectoryName(LegacyKeyFile)!);
        File.WriteAllText(LegacyKeyFile, $$"""{"version":1,"keyId":"local-0a1b2c3d","key":"{{Convert.ToBase64String(legacyKey)}}"}""");
        File.SetUnixFileMode(LegacyKeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var binding = new SecretBinding("system_tokens", "token", "i-1", "i-1");
        var format1 = SealedValueFormat.SealVersion1(Encoding.UTF8.GetBytes("old token"), legacyKey, "local-0a1b2c3d", binding);
        await using var services = Build();

        await services.GetRequiredService<IKeyEncryptionProvider>().CheckAsync(Ct);
        var opened = await services.GetRequiredService<ISecretProtector>().UnprotectAsync(format1, binding, Ct);

        Assert.Equal("local-0a1b2c3d", services.GetRequiredService<IKeyEncryptionProvider>().PrimaryKekId);
        Assert.Equal("old token", Encoding.UTF8.GetString(opened));
        var moved = await Assert.ThrowsAsync<SecretUnprotectException>(() => services.GetRequiredService<ISecretProtector>().UnprotectAsync(format1, binding with { RowId = "i-2" }, Ct).AsTask());
        Assert.Equal(SecretUnprotectFailure.AuthenticationFailed, moved.Failure);
    }

    [Fact]
    public async Task AddKek_AsPrimary_IsPickedUpByAnotherProviderOnTheSameFile()
    {
        var service = new LocalKeyProvider(Keyring);
        var operatorCli = new LocalKeyProvider(Keyring);
        await service.CheckAsync(Ct);
        var context = new DataKeyContext("i-1", 1);

        var kekId = LocalKeyProvider.NewKekId();
        operatorCli.AddKek(kekId, makePrimary: true);
        var wrapped = await operatorCli.GenerateDataKeyAsync(context, Ct);

        Assert.Equal(kekId, wrapped.KekId);
        Assert.Equal(wrapped.Plaintext, await service.UnwrapAsync(kekId, wrapped.Wrapped, context, Ct));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Keyring));
    }

    [Fact]
    public async Task Unwrap_UnderAnotherContext_Fails()
    {
        var provider = new LocalKeyProvider(Keyring);
        var wrapped = await provider.GenerateDataKeyAsync(new DataKeyContext("i-1", 1), Ct);

        await Assert.ThrowsAsync<KeyProviderException>(() => provider.UnwrapAsync(wrapped.KekId, wrapped.Wrapped, new DataKeyContext("i-2", 1), Ct));
        await Assert.ThrowsAsync<KeyProviderException>(() => provider.UnwrapAsync(wrapped.KekId, wrapped.Wrapped, new DataKeyContext("i-1", 2), Ct));
        await Assert.ThrowsAsync<UnknownKekException>(() => provider.UnwrapAsync("kek-nope", wrapped.Wrapped, new DataKeyContext("i-1", 1), Ct));
    }

    private ServiceProvider Build()
    {
        var services = new ServiceCollection();
        services.AddEstimoStorage(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = _directory.Combine("data"),
            ["Security:LocalKey:KeyFile"] = LegacyKeyFile,
            ["Security:LocalKey:KeyringFile"] = Keyring,
        }).Build());
        return services.BuildServiceProvider();
    }
}
