using Estimo.Core.Poker;
using Estimo.Core.Installations;
using Estimo.Core.Security;
using Estimo.Storage;
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
    /// Registers the <c>Storage</c> and <c>Security:LocalKey</c> options (validated at
    /// start-up), a pooled context factory for the configured provider, the stores,
    /// <see cref="IDatabaseMigrator"/>, <see cref="IStorageHealth"/>, the
    /// <see cref="LocalKeySecretProtector"/> as <see cref="ISecretProtector"/>, and a hosted
    /// service that checks the key file (and migrates only when
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

        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => StoragePaths.For(sp.GetService<IHostEnvironment>()));
        services.TryAddSingleton<IDbContextFactory<EstimoDbContext>, EstimoDbContextFactory>();

        services.TryAddSingleton(sp => new LocalKeySecretProtector(
            sp.GetRequiredService<StoragePaths>().KeyFile(
                sp.GetRequiredService<IOptions<LocalKeyOptions>>().Value,
                sp.GetRequiredService<IOptions<StorageOptions>>().Value),
            sp.GetRequiredService<ILogger<LocalKeySecretProtector>>()));
        services.TryAddSingleton<ISecretProtector>(sp => sp.GetRequiredService<LocalKeySecretProtector>());

        services.TryAddSingleton<DatabaseMigrator>();
        services.TryAddSingleton<IDatabaseMigrator>(sp => sp.GetRequiredService<DatabaseMigrator>());
        services.TryAddSingleton<IStorageHealth>(sp => sp.GetRequiredService<DatabaseMigrator>());

        services.TryAddSingleton<IInstallationStore, EfInstallationStore>();
        services.TryAddSingleton<ISystemTokenCache, EfSystemTokenCache>();
        services.TryAddSingleton<IPokerSessionStore, Estimo.Storage.Sessions.EfPokerSessionStore>();

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StorageStartup>());
        return services;
    }
}
