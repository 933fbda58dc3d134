using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Estimo.Storage;

/// <summary>The model on PostgreSQL; migrations in <c>Migrations/PostgreSql</c>.</summary>
public sealed class PostgreSqlEstimoDbContext : EstimoDbContext
{
    public PostgreSqlEstimoDbContext(DbContextOptions<PostgreSqlEstimoDbContext> options)
        : base(options)
    {
    }

    // The advisory lock key of the audit chain: "ESTAUD" in ASCII, unique within Estimo.
    internal override Task LockAuditChainAsync(CancellationToken cancellationToken) =>
        Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(76224198169924)", cancellationToken);

    internal override bool IsUniqueViolation(DbUpdateException exception) =>
        exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    internal override bool IsForeignKeyViolation(DbUpdateException exception) =>
        exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation };
}
