using Cronos;
using Estimo.Storage.Backups;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Backups;

/// <summary>Scheduled backups and restore drills in the remote (the engine comes from <c>AddEstimoStorage</c>).</summary>
internal static class BackupServiceCollectionExtensions
{
    public static IServiceCollection AddEstimoBackups(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<BackupOptions>, BackupScheduleValidator>();
        services.AddHostedService<BackupScheduler>();
        services.AddHealthChecks().AddCheck<BackupHealthCheck>("backups");
        return services;
    }

    /// <summary><c>Backups:Schedule</c> must be a 5-field cron expression (UTC).</summary>
    private sealed class BackupScheduleValidator : IValidateOptions<BackupOptions>
    {
        public ValidateOptionsResult Validate(string? name, BackupOptions options)
        {
            try
            {
                _ = CronExpression.Parse(options.Schedule);
                return ValidateOptionsResult.Success;
            }
            catch (CronFormatException)
            {
                return ValidateOptionsResult.Fail($"Backups:Schedule '{options.Schedule}' is not a 5-field cron expression (minute hour day month weekday, UTC), e.g. '0 3 * * *'.");
            }
        }
    }
}
