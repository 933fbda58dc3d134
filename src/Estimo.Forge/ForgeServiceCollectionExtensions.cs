using System.Net;
using System.Net.Http.Headers;
using Estimo.Forge.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Estimo.Forge;

/// <summary>Registers FIT validation.</summary>
public static class ForgeServiceCollectionExtensions
{
    /// <summary>The JWKS fetch gives up after this long; FIT callers wait at most 25 s in total.</summary>
    public static readonly TimeSpan JwksFetchTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A JWKS is a few KB; refuse to buffer anything near this size.</summary>
    public const int MaxJwksBytes = 1024 * 1024;

    /// <summary>
    /// Binds <c>Forge</c> settings (validated at start-up), and registers the JWKS cache as
    /// <see cref="IForgeSigningKeys"/> and the validator as <see cref="IForgeInvocationTokenValidator"/>,
    /// both singletons, plus <see cref="TimeProvider.System"/> unless a TimeProvider is registered.
    /// </summary>
    public static IServiceCollection AddForgeInvocationTokens(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<ForgeOptions>()
            .Bind(configuration.GetSection(ForgeOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ForgeOptions>, ForgeOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddHttpClient(ForgeSigningKeyCache.HttpClientName, client =>
            {
                client.Timeout = JwksFetchTimeout;
                client.MaxResponseContentBufferSize = MaxJwksBytes;
                client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // A redirect could lead the key fetch anywhere; it is a failed fetch instead.
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.All,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = JwksFetchTimeout,
            });

        services.TryAddSingleton<ForgeSigningKeyCache>();
        services.TryAddSingleton<IForgeSigningKeys>(sp => sp.GetRequiredService<ForgeSigningKeyCache>());
        services.TryAddSingleton<IForgeInvocationTokenValidator, ForgeInvocationTokenValidator>();
        return services;
    }
}
