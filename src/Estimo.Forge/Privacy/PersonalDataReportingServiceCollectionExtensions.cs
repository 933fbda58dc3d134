using Estimo.Core.Privacy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Estimo.Forge.Privacy;

/// <summary>Registers the personal data reporting API client.</summary>
public static class PersonalDataReportingServiceCollectionExtensions
{
    /// <summary>Registers <see cref="IPersonalDataReportingApi"/> as <see cref="PersonalDataReportingClient"/> on its own HTTP client.</summary>
    public static IServiceCollection AddPersonalDataReportingClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient<PersonalDataReportingClient>(http =>
        {
            http.Timeout = TimeSpan.FromSeconds(30);
            http.DefaultRequestHeaders.UserAgent.ParseAdd("Estimo-Remote/1.0");
        }).ConfigurePrimaryHttpMessageHandler(() => new System.Net.Http.SocketsHttpHandler
        {
            // Atlassian's APIs never need a redirect; following one could leak the token.
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        });
        services.TryAddTransient<IPersonalDataReportingApi>(sp => sp.GetRequiredService<PersonalDataReportingClient>());
        return services;
    }
}
