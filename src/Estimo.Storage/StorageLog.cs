using Microsoft.Extensions.Logging;

namespace Estimo.Storage;

/// <summary>Storage log messages; event ids 3000–3099 (3100–3199: local key).</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Installation {InstallationId} {Change} by {LifecycleEvent} event")]
    public static partial void InstallationRecorded(ILogger logger, string installationId, Core.Installations.InstallationChange change, string lifecycleEvent);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "Installation {InstallationId}: lost a write race (attempt {Attempt}); re-reading")]
    public static partial void InstallationWriteRaceLost(ILogger logger, string installationId, int attempt);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "The system token of installation {InstallationId} could not be opened ({Failure}); treating it as absent")]
    public static partial void SystemTokenUnreadable(ILogger logger, string installationId, Core.Security.SecretUnprotectFailure failure);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Information, Message = "Applying {Count} pending migration(s) to the {Provider} database: {Migrations}")]
    public static partial void ApplyingMigrations(ILogger logger, int count, StorageProvider provider, IEnumerable<string> migrations);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Warning, Message = "The {Provider} database is behind: {Count} pending migration(s) ({Migrations}). Apply them with the operator CLI or Storage:ApplyMigrationsOnStartup=true")]
    public static partial void DatabaseBehind(ILogger logger, StorageProvider provider, int count, IEnumerable<string> migrations);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "The {Provider} database has migrations this build does not know: {Migrations}. Is an older build running against a newer database?")]
    public static partial void DatabaseAhead(ILogger logger, StorageProvider provider, IEnumerable<string> migrations);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "Could not check the {Provider} database's schema at start-up; readiness will report it")]
    public static partial void SchemaCheckFailed(ILogger logger, StorageProvider provider, Exception exception);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Warning, Message = "Storage health check: cannot connect to the {Provider} database")]
    public static partial void CannotConnect(ILogger logger, StorageProvider provider, Exception? exception);
}
