namespace Estimo.Storage;

/// <summary>Which database engine holds Estimo's data.</summary>
public enum StorageProvider
{
    /// <summary>An embedded SQLite file in <see cref="StorageOptions.DataDirectory"/> (the default: no server needed).</summary>
    Sqlite = 0,

    /// <summary>A PostgreSQL server (production).</summary>
    PostgreSql = 1,
}

/// <summary>Settings of the <c>Storage</c> configuration section.</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "Storage";

    /// <summary>The file name of the SQLite database inside <see cref="DataDirectory"/>.</summary>
    public const string SqliteFileName = "estimo.db";

    /// <summary>The database engine. Defaults to <see cref="StorageProvider.Sqlite"/>.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>
    /// Where local state lives (the SQLite file). Relative paths are resolved against the
    /// host's content root, or the current directory when there is no host.
    /// </summary>
    public string DataDirectory { get; set; } = ".estimo/data";

    /// <summary>Required for PostgreSQL; for SQLite an optional override of the file in <see cref="DataDirectory"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Apply pending migrations when the host starts. Off by default: schema changes are
    /// applied deliberately (the operator CLI), never as a side effect of a deploy.
    /// </summary>
    public bool ApplyMigrationsOnStartup { get; set; }

    /// <summary>
    /// PostgreSQL server host, used with <see cref="Port"/>, <see cref="Database"/>,
    /// <see cref="Username"/> and <see cref="Password"/> when <see cref="ConnectionString"/> is
    /// empty (how ECS injects the RDS secret's fields). TLS is then required.
    /// </summary>
    public string? Host { get; set; }

    /// <summary>PostgreSQL port (with <see cref="Host"/>).</summary>
    public int Port { get; set; } = 5432;

    /// <summary>PostgreSQL database name (with <see cref="Host"/>).</summary>
    public string? Database { get; set; }

    /// <summary>PostgreSQL user (with <see cref="Host"/>).</summary>
    public string? Username { get; set; }

    /// <summary>PostgreSQL password (with <see cref="Host"/>); from a secret store, never from a file in the repository.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// The PostgreSQL connection string: <see cref="ConnectionString"/> when given, otherwise
    /// built from the parts with <c>SSL Mode=Require</c>.
    /// </summary>
    public string? PostgreSqlConnectionString()
    {
        if (!string.IsNullOrWhiteSpace(ConnectionString))
        {
            return ConnectionString;
        }

        if (string.IsNullOrWhiteSpace(Host))
        {
            return null;
        }

        return new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Database = Database,
            Username = Username,
            Password = Password,
            SslMode = Npgsql.SslMode.Require,
        }.ConnectionString;
    }
}
