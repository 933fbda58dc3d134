using Estimo.Simulator.Auth;
using Estimo.Simulator.Forge;
using Estimo.Simulator.Infrastructure;
using Estimo.Simulator.Jira;
using Microsoft.Extensions.Options;

namespace Estimo.Simulator;

/// <summary>Builds the simulator's web host; used by Program and, in-process, by the tests.</summary>
public static partial class SimulatorHost
{
    /// <summary>Creates the app. <paramref name="configure"/> lets tests add settings before services are built.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        builder.Services.AddSimulator();
        var listenUrl = builder.Configuration[$"{SimulatorOptions.SectionName}:{nameof(SimulatorOptions.ListenUrl)}"] ?? new SimulatorOptions().ListenUrl;
        builder.WebHost.UseUrls(listenUrl);
        var app = builder.Build();
        app.MapSimulator();
        return app;
    }

    public static IServiceCollection AddSimulator(this IServiceCollection services)
    {
        services.AddOptions<SimulatorOptions>().BindConfiguration(SimulatorOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SimulatorOptions>, SimulatorOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<JiraSite>();
        services.AddSingleton<TokenStore>();
        services.AddSingleton<Privacy.AccountPrivacyRegistry>();
        services.AddSingleton<RateLimiter>();
        services.AddSingleton<SiteUrls>();
        services.AddSingleton<ManifestProvider>();
        services.AddSingleton<InvocationTokenSigner>();
        services.AddSingleton<AppInstallation>();
        services.AddSingleton<ForgeContexts>();
        services.AddSingleton<RemoteClient>();
        services.AddSingleton<Lifecycle>();
        services.AddHttpClient(RemoteClient.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => new HttpClientHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                ServerCertificateCustomValidationCallback = RemoteCertificatePolicy.Create(sp.GetRequiredService<IOptions<SimulatorOptions>>().Value.Remote),
            });
        services.AddHostedService<AutoInstaller>();
        return services;
    }

    public static WebApplication MapSimulator(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // A missing or broken manifest disables the Forge half only; the Jira API keeps working,
        // and Forge pages say what is wrong instead of failing with a bare 500.
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (ManifestException e) when (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync(e.Message, context.RequestAborted);
            }
        });
        app.MapJiraApi();
        app.MapForgeHost();
        app.MapSimAdmin();
        Privacy.PersonalDataReporting.MapPersonalDataReporting(app);
        return app;
    }
}

/// <summary>Installs the app once the server listens, when Simulator:AutoInstall is set; a remote that is down is logged, not fatal.</summary>
public sealed partial class AutoInstaller(IHostApplicationLifetime lifetime, IOptions<SimulatorOptions> options, Lifecycle lifecycle, ManifestProvider manifest, ILogger<AutoInstaller> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.AutoInstall)
        {
            lifetime.ApplicationStarted.Register(() => _ = Task.Run(InstallAsync, CancellationToken.None));
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task InstallAsync()
    {
        try
        {
            manifest.Get();
            var result = await lifecycle.InstallAsync(Jira.SeedData.AliceId, lifetime.ApplicationStopping);
            var installationId = result["installationId"]?.GetValue<string>() ?? "";
            var delivered = result["deliveries"] is System.Text.Json.Nodes.JsonArray deliveries && deliveries.All(d => d?["delivered"]?.GetValue<bool>() == true);
            LogAutoInstalled(logger, installationId, delivered);
        }
        catch (ManifestException e)
        {
            LogAutoInstallFailed(logger, e.Message);
        }
        catch (OperationCanceledException)
        {
            // Shutting down before the install finished.
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Auto-install: installation {InstallationId}, events delivered: {Delivered}")]
    private static partial void LogAutoInstalled(ILogger logger, string installationId, bool delivered);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Auto-install skipped: {Reason}")]
    private static partial void LogAutoInstallFailed(ILogger logger, string reason);
}
