using Estimo.Storage;
using Estimo.Storage.Notifications;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the session change channel between instances.</summary>
public static class SessionChangeChannelServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ISessionChangeChannel"/>: <c>LISTEN/NOTIFY</c> when
    /// <c>Storage:Provider</c> is PostgreSql, otherwise a channel that does nothing (the embedded
    /// SQLite database serves a single instance), and the hosted listener.
    /// </summary>
    public static IServiceCollection AddSessionChangeChannel(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<ISessionChangeChannel>(sp =>
            sp.GetRequiredService<IOptions<StorageOptions>>().Value.Provider == StorageProvider.PostgreSql
                ? ActivatorUtilities.CreateInstance<PostgreSqlSessionChangeChannel>(sp)
                : new SingleInstanceSessionChangeChannel());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SessionChangeListener>());
        return services;
    }
}
