using Estimo.Forge.Jira;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Sessions;

internal static class SessionServiceCollectionExtensions
{
    public static IServiceCollection AddEstimoSessions(this IServiceCollection services)
    {
        services.AddOptions<SessionOptions>().BindConfiguration(SessionOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SessionOptions>, SessionOptionsValidator>();
        services.AddSingleton<SessionHub>();
        services.AddSingleton<SessionService>();
        services.AddSessionChangeChannel();
        services.AddHostedService<SessionChangeRelay>();
        services.AddSingleton<Installations.InstallationRegistrar>();
        services.AddHostedService<SessionRetentionService>();
        services.AddHttpClient<JiraUserClient>(http =>
        {
            http.Timeout = TimeSpan.FromSeconds(10);
            http.DefaultRequestHeaders.UserAgent.ParseAdd("Estimo-Remote/1.0");
        }).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
        {
            // Forge's contract: redirects are errors.
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        });
        return services;
    }
}
