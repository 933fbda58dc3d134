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

    internal override bool IsUniqueViolation(DbUpdateException exception) =>
        exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    internal override bool IsForeignKeyViolation(DbUpdateException exception) =>
        exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation };
}
