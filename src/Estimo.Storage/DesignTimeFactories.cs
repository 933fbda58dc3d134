using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Estimo.Storage;

// Used only by the dotnet-ef tool to add migrations and script them; neither connects.

/// <summary>Lets <c>dotnet ef</c> build <see cref="SqliteEstimoDbContext"/> without a host.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteEstimoDbContext>
{
    public SqliteEstimoDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteEstimoDbContext>()
            .UseSqlite("Data Source=estimo-design-time.db")
            .Options);
}

/// <summary>Lets <c>dotnet ef</c> build <see cref="PostgreSqlEstimoDbContext"/> without a host.</summary>
internal sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlEstimoDbContext>
{
    public PostgreSqlEstimoDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlEstimoDbContext>()
            .UseNpgsql("Host=localhost;Database=estimo_design_time")
            .Options);
}
