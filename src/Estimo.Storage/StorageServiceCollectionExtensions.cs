using Estimo.Core.Poker;
using Estimo.Core.Installations;
using Estimo.Core.Security;
using Estimo.Storage;
using Estimo.Storage.Access;
using Estimo.Storage.Backups;
using Estimo.Storage.Lifecycle;
using Estimo.Storage.Installations;
using Estimo.Storage.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Estimo's storage.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <c>Storage</c>, <c>Security</c> and <c>Security:LocalKey</c> options
    /// (validated at start-up), a pooled context factory for the configured provider, the
    /// stores, <see cref="IDatabaseMigrator"/>, <see cref="IStorageHealth"/>, envelope
    /// encryption (<see cref="ISecretProtector"/> over the key provider that
    /// <c>Security:KeyProvider</c> names), <see cref="KeyMaintenance"/>, and a hosted
    /// service that checks the key provider (and migrates only when
    /// <see cref="StorageOptions.ApplyMigrationsOnStartup"/> is set) before the host serves.
    /// </summary>
    public static IServiceCollection AddEstimoStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<StorageOptions>()
            .Bind(configuration.GetSection(StorageOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());
        services.AddOptions<LocalKeyOptions>()
            .Bind(configuration.GetSection(LocalKeyOptions.SectionName));
        services.AddOptions<SecurityOptions>()
            .Bind(configuration.GetSection(SecurityOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SecurityOptions>, SecurityOptionsValidator>());

        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => StoragePaths.For(sp.GetService<IHostEnvironment>()));
        services.TryAddSingleton<IDbContextFactory<EstimoDbContext>, EstimoDbContextFactory>();

        services.TryAddSingleton<IKeyEncryptionProvider>(CreateKeyProvider);
        services.TryAddSingleton<DataKeyRing>();
        services.TryAddSingleton<ISecretProtector, EnvelopeSecretProtector>();
        services.TryAddSingleton(sp => new KeyMaintenance(
            sp.GetRequiredService<IDbContextFactory<EstimoDbContext>>(),
            sp.GetRequiredService<DataKeyRing>(),
            sp.GetRequiredService<ISecretProtector>(),
            sp.GetRequiredService<IOptions<SecurityOptions>>(),
            sp.GetRequiredService<TimeProvider>()));

        services.AddOptions<AccessOptions>().Bind(configuration.GetSection(AccessOptions.SectionName));
        services.TryAddSingleton(sp => new AuditChain(
            sp.GetRequiredService<IDbContextFactory<EstimoDbContext>>(),
            sp.GetRequiredService<IKeyEncryptionProvider>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new OperatorRegistry(sp.GetRequiredService<IDbContextFactory<EstimoDbContext>>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new SupportGrants(
            sp.GetRequiredService<IDbContextFactory<EstimoDbContext>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<AccessOptions>>()));
        services.TryAddSingleton(sp => new SupportDataReader(
            sp.GetRequiredService<IDbContextFactory<EstimoDbContext>>(),
            sp.GetRequiredService<IPokerSessionStore>(),
            sp.GetRequiredService<TimeProvider>()));

        services.TryAddSingleton(sp => new SupportAccessLog(sp.GetRequiredService<IDbContextFactory<EstimoDbContext>>()));

        services.TryAddSingleton<DatabaseMigrator>();
        services.TryAddSingleton<IDatabaseMigrator>(sp => sp.GetRequiredService<DatabaseMigrator>());
        services.TryAddSingleton<IStorageHealth>(sp => sp.GetRequiredService<DatabaseMigrator>());

        services.TryAddSingleton<IInstallationStore, EfInstallationStore>();
        services.TryAddSingleton<ISystemTokenCache, EfSystemTokenCache>();
        services.TryAddSingleton<IPokerSessionStore, Estimo.Storage.Sessions.EfPokerSessionStore>();

        // The session change channel is optional here (the remote registers it; the CLI does not):
        // without it, other instances learn of purged or rewritten sessions at their next reload.
        services.TryAddSingleton(sp => new Estimo.Storage.Lifecycle.InstallationPurger(
            sp.GetRequiredService<IDbContextFactory<EstimoDbContext>>(),
            sp.GetRequiredService<KeyMaintenance>(),
            sp.GetRequiredService<DataKeyRing>(),
            sp.GetServices<Estimo.Storage.Lifecycle.IInstallationPurgeListener>(),
            sp.GetService<Estimo.Storage.Notifications.ISessionChangeChannel>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<Estimo.Storage.Lifecycle.InstallationPurger>>()));
        services.TryAddSingleton(sp => new Estimo.Storage.PersonalData.PersonalDataLedger(
            sp.GetRequiredService<IDbContextFactory<EstimoDbContext>>(),
            sp.GetRequiredService<ISecretProtector>(),
            sp.GetService<Estimo.Storage.Notifications.ISessionChangeChannel>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<Estimo.Storage.PersonalData.PersonalDataLedger>>()));

        services.AddOptions<Estimo.Storage.Lifecycle.LifecycleOptions>()
            .Bind(configuration.GetSection(Estimo.Storage.Lifecycle.LifecycleOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Estimo.Storage.Lifecycle.LifecycleOptions>, Estimo.Storage.Lifecycle.LifecycleOptionsValidator>());
        services.AddOptions<Estimo.Storage.PersonalData.PersonalDataOptions>()
            .Bind(configuration.GetSection(Estimo.Storage.PersonalData.PersonalDataOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Estimo.Storage.PersonalData.PersonalDataOptions>, Estimo.Storage.PersonalData.PersonalDataOptionsValidator>());
        services.AddOptions<BackupOptions>()
            .Bind(configuration.GetSection(BackupOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BackupOptions>>(new BackupOptionsValidator(configuration)));
        services.TryAddSingleton<IBackupTarget>(CreateBackupTarget);
        services.TryAddSingleton(sp => new BackupService(
            sp.GetRequiredService<IDbContextFactory<EstimoDbContext>>(),
            sp.GetRequiredService<IOptions<StorageOptions>>(),
            sp.GetRequiredService<StoragePaths>(),
            sp.GetRequiredService<IKeyEncryptionProvider>(),
            sp.GetRequiredService<IBackupTarget>(),
            sp.GetRequiredService<IOptions<BackupOptions>>(),
            sp.GetRequiredService<IOptions<SecurityOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IInstallationPurgeListener, BackupService>(sp => sp.GetRequiredService<BackupService>()));
        services.TryAddSingleton<IAuditAnchorStore>(sp => sp.GetRequiredService<IBackupTarget>() as IAuditAnchorStore
            ?? new LocalDirectoryBackupTarget(sp.GetRequiredService<StoragePaths>().BackupDirectory(
                sp.GetRequiredService<IOptions<BackupOptions>>().Value, sp.GetRequiredService<IOptions<StorageOptions>>().Value)));
        services.TryAddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return new AuditAnchorExporter(
                sp.GetRequiredService<IDbContextFactory<EstimoDbContext>>(),
                sp.GetRequiredService<AuditChain>(),
                sp.GetRequiredService<IAuditAnchorStore>(),
                new BackupLocks(storage, sp.GetRequiredService<StoragePaths>().DataDirectory(storage)));
        });

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StorageStartup>());
        return services;
    }

    private static IBackupTarget CreateBackupTarget(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<BackupOptions>>().Value;
        var directory = services.GetRequiredService<StoragePaths>().BackupDirectory(options, services.GetRequiredService<IOptions<StorageOptions>>().Value);
        return options.Target == BackupTargetKind.S3
            ? new S3BackupTarget(options.S3, directory, services.GetService<Amazon.Runtime.AWSCredentials>(), services.GetService<TimeProvider>())
            : new LocalDirectoryBackupTarget(directory);
    }

    private static IKeyEncryptionProvider CreateKeyProvider(IServiceProvider services)
    {
        var security = services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        if (security.KeyProvider == KeyProviderKind.Kms)
        {
            // Credentials from the SDK's default chain (task role in ECS), unless a host or a
            // test registers its own.
            return new KmsKeyProvider(security.Kms, services.GetService<Amazon.Runtime.AWSCredentials>());
        }

        var paths = services.GetRequiredService<StoragePaths>();
        var local = services.GetRequiredService<IOptions<LocalKeyOptions>>().Value;
        var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
        return new LocalKeyProvider(
            paths.KeyringFile(local, storage),
            paths.KeyFile(local, storage),
            services.GetRequiredService<ILogger<LocalKeyProvider>>());
    }
}
