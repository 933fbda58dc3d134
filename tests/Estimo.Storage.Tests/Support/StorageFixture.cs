using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Estimo.Storage.Tests.Support;

/// <summary>
/// One migrated database per test class, built through <c>AddEstimoStorage</c> exactly as
/// the host builds it, with a fake clock.
/// </summary>
public abstract class StorageFixture : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private ServiceProvider? _services;

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    public IServiceProvider Services => _services ?? throw new InvalidOperationException(SkipReason ?? "The fixture is not initialised.");

    /// <summary>Why this provider's tests cannot run here, or null when they can.</summary>
    public string? SkipReason { get; protected set; }

    /// <summary>Where the database stood before the fixture migrated it.</summary>
    public SchemaStatus? StatusBeforeMigration { get; private set; }

    protected string DataDirectory => _directory.Combine("data");

    protected string KeyFile => _directory.Combine("keys", "local.key");

    /// <summary>The local keyring this fixture's storage uses.</summary>
    public string KeyringFile => _directory.Combine("keys", "keyring.json");

    /// <summary>The local backup target (and backups' working space) of this fixture.</summary>
    public string BackupDirectory => _directory.Combine("backups");

    public abstract StorageProvider Provider { get; }

    /// <summary>Skips the calling test, with the reason, when this provider is unavailable.</summary>
    public void EnsureAvailable()
    {
        if (SkipReason is not null)
        {
            Assert.Skip(SkipReason);
        }
    }

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    internal EstimoDbContext CreateContext() => Get<IDbContextFactory<EstimoDbContext>>().CreateDbContext();

    /// <summary>Every byte where the provider keeps table data, as a test can reach it.</summary>
    public abstract Task<byte[]> ReadRawDataAsync(CancellationToken cancellationToken);

    public async ValueTask InitializeAsync()
    {
        var settings = await PrepareAsync();
        if (settings is null)
        {
            return;
        }

        settings["Storage:DataDirectory"] = DataDirectory;
        settings["Security:LocalKey:KeyFile"] = KeyFile;
        settings["Security:LocalKey:KeyringFile"] = KeyringFile;
        settings["Backups:Directory"] = BackupDirectory;
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Time);
        services.AddEstimoStorage(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var migrator = Get<IDatabaseMigrator>();
        StatusBeforeMigration = await migrator.GetSchemaStatusAsync(CancellationToken.None);
        await migrator.MigrateAsync(CancellationToken.None);
    }

    /// <summary>Creates the empty database; returns the configuration, or null after setting <see cref="SkipReason"/>.</summary>
    protected abstract Task<Dictionary<string, string?>?> PrepareAsync();

    public virtual async ValueTask DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        _directory.Dispose();
        GC.SuppressFinalize(this);
    }
}
