using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Estimo.Storage;

/// <summary>The model on SQLite; migrations in <c>Migrations/Sqlite</c>.</summary>
public sealed class SqliteEstimoDbContext : EstimoDbContext
{
    // https://www.sqlite.org/rescode.html
    private const int SqliteConstraint = 19;
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintUnique = 2067;
    private const int SqliteConstraintForeignKey = 787;

    public SqliteEstimoDbContext(DbContextOptions<SqliteEstimoDbContext> options)
        : base(options)
    {
    }

    internal override bool IsUniqueViolation(DbUpdateException exception) =>
        exception.InnerException is SqliteException { SqliteErrorCode: SqliteConstraint } sqlite
        && sqlite.SqliteExtendedErrorCode is SqliteConstraintPrimaryKey or SqliteConstraintUnique;

    internal override bool IsForeignKeyViolation(DbUpdateException exception) =>
        exception.InnerException is SqliteException { SqliteErrorCode: SqliteConstraint, SqliteExtendedErrorCode: SqliteConstraintForeignKey };

    // A write that changes nothing still takes SQLite's write lock for the transaction, so a
    // deferred transaction cannot read the chain's head and then lose the race to write.
    internal override Task LockAuditChainAsync(CancellationToken cancellationToken) =>
        Database.ExecuteSqlRawAsync("UPDATE audit_events SET id = id WHERE 0", cancellationToken);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);

        // SQLite has no timestamp type and EF cannot translate comparisons of DateTimeOffset
        // stored as text. UTC ticks in an INTEGER sort and compare exactly like the instants.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
    }

    private sealed class UtcTicksConverter : ValueConverter<DateTimeOffset, long>
    {
        public UtcTicksConverter()
            : base(value => value.UtcTicks, ticks => new DateTimeOffset(ticks, TimeSpan.Zero))
        {
        }
    }
}
