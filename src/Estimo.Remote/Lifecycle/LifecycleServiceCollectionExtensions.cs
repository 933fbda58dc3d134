using Estimo.Forge.Privacy;
using Estimo.Storage.Lifecycle;
using Estimo.Storage.PersonalData;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Estimo.Remote.Lifecycle;

internal static class LifecycleServiceCollectionExtensions
{
    /// <summary>The uninstall purge, "delete our data now" and personal-data reporting (docs/operations.md).</summary>
    public static IServiceCollection AddEstimoLifecycle(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IInstallationPurgeListener, RemotePurgeListener>());
        services.AddPersonalDataReportingClient();
        services.TryAddTransient<PersonalDataReporter>();
        services.AddSingleton<InstallationPurgeService>();
        services.AddHostedService(sp => sp.GetRequiredService<InstallationPurgeService>());
        services.AddSingleton<PersonalDataReportingService>();
        services.AddHostedService(sp => sp.GetRequiredService<PersonalDataReportingService>());
        return services;
    }
}
