using Estimo.Core.Installations;
using Estimo.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Estimo.Storage;

/// <summary>
/// The one model of Estimo's database. Each provider derives its own context
/// (<see cref="SqliteEstimoDbContext"/>, <see cref="PostgreSqlEstimoDbContext"/>) so that each
/// has its own migrations, while the tables are described once, here.
/// </summary>
public abstract class EstimoDbContext : DbContext
{
    protected EstimoDbContext(DbContextOptions options)
        : base(options)
    {
    }

    internal DbSet<InstallationEntity> Installations => Set<InstallationEntity>();

    internal DbSet<SystemTokenEntity> SystemTokens => Set<SystemTokenEntity>();

    /// <summary>True when <paramref name="exception"/> is a primary-key or unique-index violation.</summary>
    internal abstract bool IsUniqueViolation(DbUpdateException exception);

    /// <summary>True when <paramref name="exception"/> is a foreign-key violation.</summary>
    internal abstract bool IsForeignKeyViolation(DbUpdateException exception);

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);

        modelBuilder.Entity<InstallationEntity>(installation =>
        {
            installation.ToTable("installations");
            installation.HasKey(i => i.Id).HasName("pk_installations");
            installation.Property(i => i.Id).HasColumnName("id").HasMaxLength(200);
            installation.Property(i => i.CloudId).HasColumnName("cloud_id").HasMaxLength(200);
            installation.Property(i => i.SiteUrl).HasColumnName("site_url").HasMaxLength(2048);
            installation.Property(i => i.ApiBaseUrl).HasColumnName("api_base_url").HasMaxLength(2048);
            installation.Property(i => i.AppVersion).HasColumnName("app_version").HasMaxLength(100);
            installation.Property(i => i.Environment).HasColumnName("environment").HasMaxLength(100);
            installation.Property(i => i.InstalledAt).HasColumnName("installed_at");
            installation.Property(i => i.UpgradedAt).HasColumnName("upgraded_at");
            installation.Property(i => i.Status).HasColumnName("status").HasConversion<string>().HasMaxLength(32);
            installation.Property(i => i.UpdatedAt).HasColumnName("updated_at");
            installation.Property(i => i.Version).HasColumnName("version").IsConcurrencyToken();
            installation.HasIndex(i => i.CloudId).HasDatabaseName("ix_installations_cloud_id");
        });

        modelBuilder.Entity<SystemTokenEntity>(token =>
        {
            token.ToTable("system_tokens");
            token.HasKey(t => t.InstallationId).HasName("pk_system_tokens");
            token.Property(t => t.InstallationId).HasColumnName("installation_id").HasMaxLength(200);
            token.Property(t => t.SealedToken).HasColumnName("sealed_token");
            token.Property(t => t.ExpiresAt).HasColumnName("expires_at");
            token.Property(t => t.UpdatedAt).HasColumnName("updated_at");
            token.HasOne(t => t.Installation)
                .WithOne(i => i.SystemToken)
                .HasForeignKey<SystemTokenEntity>(t => t.InstallationId)
                .HasConstraintName("fk_system_tokens_installations_installation_id")
                .OnDelete(DeleteBehavior.Cascade);
        });
    }
}
