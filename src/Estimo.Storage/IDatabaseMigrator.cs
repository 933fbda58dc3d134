namespace Estimo.Storage;

/// <summary>
/// Applies the configured provider's migrations — deliberately: from the operator CLI, or at
/// start-up only when <see cref="StorageOptions.ApplyMigrationsOnStartup"/> is set.
/// </summary>
public interface IDatabaseMigrator
{
    /// <summary>Applies every pending migration (creating the database when the provider can).</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>The ids of migrations this build has that the database has not applied, oldest first.</summary>
    Task<IReadOnlyList<string>> GetPendingMigrationsAsync(CancellationToken cancellationToken);

    /// <summary>Where the database's schema stands relative to this build.</summary>
    Task<SchemaStatus> GetSchemaStatusAsync(CancellationToken cancellationToken);
}

/// <summary>The database's schema relative to this build's migrations.</summary>
/// <param name="Applied">Migrations the database records as applied.</param>
/// <param name="Pending">Migrations of this build not yet applied.</param>
/// <param name="Unknown">Applied migrations this build does not have (a newer build migrated the database).</param>
public sealed record SchemaStatus(IReadOnlyList<string> Applied, IReadOnlyList<string> Pending, IReadOnlyList<string> Unknown)
{
    /// <summary>The database lacks migrations this build needs.</summary>
    public bool IsBehind => Pending.Count > 0;

    /// <summary>The database has migrations this build does not know.</summary>
    public bool IsAhead => Unknown.Count > 0;

    /// <summary>Exactly this build's migrations are applied.</summary>
    public bool IsUpToDate => !IsBehind && !IsAhead;
}

/// <summary>Readiness of the database.</summary>
public interface IStorageHealth
{
    /// <summary>True when the database answers; false when it is down or unreachable. Never throws.</summary>
    Task<bool> CanConnectAsync(CancellationToken cancellationToken);
}
