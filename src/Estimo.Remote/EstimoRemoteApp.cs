using Estimo.Remote.Api;
using Estimo.Remote.Audit;
using Estimo.Remote.Backups;
using Estimo.Remote.Authentication;
using Estimo.Remote.Health;
using Estimo.Remote.Hosting;
using Estimo.Remote.Installations;
using Estimo.Remote.Lifecycle;
using Estimo.Remote.Logging;
using Estimo.Remote.Monitoring;
using Estimo.Remote.Sessions;
using Estimo.Storage;

namespace Estimo.Remote;

/// <summary>
/// Composes the remote. Program.cs and the integration tests build the same application, so
/// tests run the real pipeline on real Kestrel.
/// </summary>
public static class EstimoRemoteApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = Directory.GetCurrentDirectory(),
        });

        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddEstimoLogging();
        builder.AddEstimoMonitoring();
        builder.AddHttpsOnlyHost();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        // Before storage, so the database-in-use lock is taken before start-up migrations run.
        builder.Services.AddEstimoDatabaseInUseLock();
        builder.Services.AddEstimoStorage(builder.Configuration);
        builder.Services.AddForgeInvocationTokenAuthentication(builder.Configuration);
        builder.Services.AddEstimoHealthChecks();
        builder.Services.AddOptions<ResidencyOptions>().BindConfiguration(ResidencyOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<ResidencyOptions>, ResidencyOptionsValidator>();
        builder.Services.AddSingleton<SystemTokenRecorder>();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase;
            json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase));
        });
        builder.Services.AddEstimoSessions();
        builder.Services.AddEstimoLifecycle();
        builder.Services.AddEstimoBackups();
        builder.Services.AddEstimoAuditAnchoring();

        configure?.Invoke(builder);

        var app = builder.Build();

        // Every options class is validated now, together, so a bad configuration is reported
        // in full (all names at once) before anything listens.
        app.Services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseHsts();
        app.UseMiddleware<RequestLoggingMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseManagementIsolation();
        app.UseCors();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<SystemTokenRecordingMiddleware>();

        app.MapEstimoHealthChecks();
        app.MapManagementEndpoints();
        app.MapLifecycleEndpoints();
        app.MapMeEndpoints();
        app.MapSupportAccessEndpoints();
        app.MapSessionEndpoints();
        app.MapAdminDataEndpoints();
        app.MapFallback(() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "No such resource."))
            .AllowAnonymous();
        return app;
    }
}
