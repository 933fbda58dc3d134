using Estimo.Core.Installations;
using Estimo.Core.Security;
using Estimo.Storage.Security;
using Estimo.Storage.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Estimo.Storage.Tests;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StorageRegistrationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ServiceProvider Build(Dictionary<string, string?> settings, CapturingLoggerProvider? logs = null)
    {
        var services = new ServiceCollection();
        if (logs is not null)
        {
            services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        }

        services.AddEstimoStorage(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private Dictionary<string, string?> SqliteSettings(bool applyMigrations = false) => new()
    {
        ["Storage:DataDirectory"] = _directory.Combine("data"),
        ["Storage:ApplyMigrationsOnStartup"] = applyMigrations ? "true" : "false",
        ["Security:LocalKey:KeyFile"] = _directory.Combine("keys", "local.key"),
        ["Security:LocalKey:KeyringFile"] = _directory.Combine("keys", "keyring.json"),
    };

    [Fact]
    public async Task AddEstimoStorage_BadSettings_FailStartupWithEveryProblem()
    {
        await using var services = Build(new() { ["Storage:Provider"] = "PostgreSql", ["Storage:DataDirectory"] = "" });

        var exception = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Storage:ConnectionString is required when Storage:Provider is PostgreSql (or give Storage:Host, Storage:Database, Storage:Username and Storage:Password).", exception.Failures);
        Assert.Contains("Storage:DataDirectory must not be empty.", exception.Failures);
    }

    [Fact]
    public async Task AddEstimoStorage_UnknownProviderName_FailsStartupNamingTheSetting()
    {
        await using var services = Build(new() { ["Storage:Provider"] = "Mongo" });

        var exception = Assert.ThrowsAny<InvalidOperationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Storage:Provider", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddEstimoStorage_ResolvesEveryPublicService()
    {
        await using var services = Build(SqliteSettings());

        Assert.NotNull(services.GetRequiredService<IInstallationStore>());
        Assert.NotNull(services.GetRequiredService<ISystemTokenCache>());
        Assert.IsType<EnvelopeSecretProtector>(services.GetRequiredService<ISecretProtector>());
        Assert.IsType<LocalKeyProvider>(services.GetRequiredService<IKeyEncryptionProvider>());
        Assert.NotNull(services.GetRequiredService<KeyMaintenance>());
        Assert.NotNull(services.GetRequiredService<IDatabaseMigrator>());
        Assert.NotNull(services.GetRequiredService<IStorageHealth>());
        Assert.Same(TimeProvider.System, services.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public async Task Startup_WithoutTheOption_DoesNotMigrateButReportsTheDatabaseBehind()
    {
        await using var services = Build(SqliteSettings());

        await StartAsync(services);

        var status = await services.GetRequiredService<IDatabaseMigrator>().GetSchemaStatusAsync(Ct);
        Assert.True(status.IsBehind);
        Assert.Empty(status.Applied);
    }

    [Fact]
    public async Task Startup_WithApplyMigrationsOnStartup_Migrates()
    {
        await using var services = Build(SqliteSettings(applyMigrations: true));

        await StartAsync(services);

        Assert.Empty(await services.GetRequiredService<IDatabaseMigrator>().GetPendingMigrationsAsync(Ct));
    }

    [Fact]
    public async Task Startup_WithAnOpenKeyring_RefusesNamingTheFile()
    {
        var settings = SqliteSettings();
        var keyring = settings["Security:LocalKey:KeyringFile"]!;
        await new LocalKeyProvider(keyring).CheckAsync(Ct);
        File.SetUnixFileMode(keyring, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        await using var services = Build(settings);

        var exception = await Assert.ThrowsAsync<LocalKeyFileException>(() => StartAsync(services));

        Assert.Contains(keyring, exception.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 600", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_WhenTheKeyringLacksAKekThatWrapsDataKeys_RefusesNamingIt()
    {
        var settings = SqliteSettings(applyMigrations: true);
        string kekId;
        await using (var first = Build(settings))
        {
            await StartAsync(first);
            var registration = Some.Registration();
            await first.GetRequiredService<IInstallationStore>().RecordInstalledAsync(registration, Ct);
            await first.GetRequiredService<ISystemTokenCache>().StoreAsync(registration.InstallationId, Some.Token(), DateTimeOffset.UtcNow.AddHours(1), Ct);
            kekId = first.GetRequiredService<IKeyEncryptionProvider>().PrimaryKekId;
        }

        File.Delete(settings["Security:LocalKey:KeyringFile"]!); // lost: the next start creates a new, empty keyring
        await using var second = Build(settings);

        var exception = await Assert.ThrowsAsync<LocalKeyFileException>(() => StartAsync(second));

        Assert.Contains($"lacks KEK(s) that wrap data keys in the database: {kekId} (1 data key(s))", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keyring_WhenNotConfigured_LivesInKeysBesideTheDataDirectory()
    {
        await using var services = Build(new() { ["Storage:DataDirectory"] = _directory.Combine("state", "data") });

        var provider = Assert.IsType<LocalKeyProvider>(services.GetRequiredService<IKeyEncryptionProvider>());

        Assert.Equal(_directory.Combine("state", "keys", "keyring.json"), provider.KeyringFile);
    }

    [Fact]
    public async Task AddEstimoStorage_KmsWithoutKeyArnAndBadCache_FailsStartupWithEveryProblem()
    {
        await using var services = Build(new()
        {
            ["Security:KeyProvider"] = "Kms",
            ["Security:DataKeyCache:MaxEntries"] = "0",
            ["Security:DataKeyCache:TimeToLive"] = "00:00:00",
        });

        var exception = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Security:Kms:KeyArn is required when Security:KeyProvider is Kms.", exception.Failures);
        Assert.Contains("Security:DataKeyCache:MaxEntries must be at least 1.", exception.Failures);
        Assert.Contains("Security:DataKeyCache:TimeToLive must be more than 0 and at most 24:00:00.", exception.Failures);
    }

    [Fact]
    public async Task AddEstimoStorage_KmsKeyArnThatIsNoArn_FailsStartupNamingTheSetting()
    {
        await using var services = Build(new() { ["Security:KeyProvider"] = "Kms", ["Security:Kms:KeyArn"] = "alias/estimo" });

        var exception = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(exception.Failures, f => f.StartsWith("Security:Kms:KeyArn 'alias/estimo' is not a KMS key ARN", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CanConnect_WhenPostgreSqlIsDown_IsFalseAndDoesNotThrow()
    {
        await using var services = Build(new()
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=postgres;Database=nowhere;Timeout=2",
        });

        Assert.False(await services.GetRequiredService<IStorageHealth>().CanConnectAsync(Ct));
    }

    [Fact]
    public async Task Startup_WhenPostgreSqlIsDown_StillStartsAndLeavesItToReadiness()
    {
        await using var services = Build(new()
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=postgres;Database=nowhere;Timeout=2",
            ["Security:LocalKey:KeyFile"] = _directory.Combine("keys", "local.key"),
        });

        await StartAsync(services);
    }

    [Fact]
    public async Task Secrets_AtEveryLogLevel_NeverReachTheLog()
    {
        var logs = new CapturingLoggerProvider();
        var settings = SqliteSettings(applyMigrations: true);
        await using var services = Build(settings, logs);
        await StartAsync(services);
        var registration = Some.Registration();
        var token = Some.Token();

        await services.GetRequiredService<IInstallationStore>().RecordInstalledAsync(registration, Ct);
        await services.GetRequiredService<ISystemTokenCache>().StoreAsync(registration.InstallationId, token, DateTimeOffset.UtcNow.AddHours(1), Ct);
        Assert.Equal(token, await services.GetRequiredService<ISystemTokenCache>().FindValidAsync(registration.InstallationId, Ct));

        using var keyring = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(settings["Security:LocalKey:KeyringFile"]!));
        var kek = keyring.RootElement.GetProperty("keys")[0].GetProperty("key").GetString()!;
        var dek = (await services.GetRequiredService<DataKeyRing>().GetCurrentAsync(registration.InstallationId, Ct)).Material;
        Assert.NotEmpty(logs.Entries);
        Assert.Contains(logs.Entries, e => e.Contains(registration.InstallationId, StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Contains(token, StringComparison.Ordinal) || e.Contains(kek, StringComparison.Ordinal)
            || e.Contains(Convert.ToBase64String(dek), StringComparison.Ordinal) || e.Contains(Convert.ToHexString(dek), StringComparison.OrdinalIgnoreCase));
    }

    private static async Task StartAsync(IServiceProvider services)
    {
        foreach (var hosted in services.GetServices<IHostedService>())
        {
            await hosted.StartAsync(Ct);
        }
    }
}
