using Estimo.Core.Installations;
using Estimo.Storage.Entities;
using Estimo.Storage.Security;
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

    internal DbSet<PokerSessionEntity> PokerSessions => Set<PokerSessionEntity>();

    internal DbSet<InstallationKeyEntity> InstallationKeys => Set<InstallationKeyEntity>();

    internal DbSet<AuditEventEntity> AuditEvents => Set<AuditEventEntity>();

    internal DbSet<OperatorEntity> Operators => Set<OperatorEntity>();

    internal DbSet<OperatorKeyEntity> OperatorKeys => Set<OperatorKeyEntity>();

    internal DbSet<SupportGrantEntity> SupportGrants => Set<SupportGrantEntity>();

    internal DbSet<InstallationPurgeEntity> InstallationPurges => Set<InstallationPurgeEntity>();

    internal DbSet<PersonalDataAccountEntity> PersonalDataAccounts => Set<PersonalDataAccountEntity>();

    /// <summary>True when <paramref name="exception"/> is a primary-key or unique-index violation.</summary>
    internal abstract bool IsUniqueViolation(DbUpdateException exception);

    /// <summary>True when <paramref name="exception"/> is a foreign-key violation.</summary>
    internal abstract bool IsForeignKeyViolation(DbUpdateException exception);

    /// <summary>
    /// Serialises appends to the audit chain until the current transaction ends (PostgreSQL: a
    /// transaction-scoped advisory lock; SQLite: the database write lock).
    /// </summary>
    internal abstract Task LockAuditChainAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Saves, chaining every added <c>audit_events</c> row onto the chain's head in the same
    /// transaction as the rest of the changes (a transaction is opened when the caller has
    /// none), so the record and the action it records commit or fail together.
    /// </summary>
    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        var appended = ChangeTracker.Entries<AuditEventEntity>()
            .Where(e => e.State == EntityState.Added)
            .Select(e => e.Entity)
            .ToList();
        if (appended.Count == 0)
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }

        if (Database.CurrentTransaction is not null)
        {
            await LockAuditChainAsync(cancellationToken);
            await AuditChain.LinkAsync(this, appended, cancellationToken);
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }

        await using var transaction = await Database.BeginTransactionAsync(cancellationToken);
        await LockAuditChainAsync(cancellationToken);
        await AuditChain.LinkAsync(this, appended, cancellationToken);
        var written = await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return written;
    }

    /// <summary>Synchronous saves cannot chain audit records (the chain needs a query); they refuse them.</summary>
    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        if (ChangeTracker.Entries<AuditEventEntity>().Any(e => e.State == EntityState.Added))
        {
            throw new InvalidOperationException("Audit records must be saved with SaveChangesAsync, which chains them.");
        }

        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    /// <summary>Saves without touching the chain fields; only for sealing legacy rows.</summary>
    internal Task<int> SaveChangesWithoutChainingAsync(CancellationToken cancellationToken) =>
        base.SaveChangesAsync(acceptAllChangesOnSuccess: true, cancellationToken);

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
            installation.Property(i => i.UninstalledAt).HasColumnName("uninstalled_at");
            installation.Property(i => i.TokenRefusedSince).HasColumnName("token_refused_since");
            installation.Property(i => i.PersonalDataReportedAt).HasColumnName("personal_data_reported_at");
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

        modelBuilder.Entity<PokerSessionEntity>(session =>
        {
            session.ToTable("poker_sessions");
            session.HasKey(s => s.Id).HasName("pk_poker_sessions");
            session.Property(s => s.Id).HasColumnName("id").HasMaxLength(128);
            session.Property(s => s.InstallationId).HasColumnName("installation_id").HasMaxLength(200);
            session.Property(s => s.ProjectKey).HasColumnName("project_key").HasMaxLength(255);
            session.Property(s => s.BoardId).HasColumnName("board_id");
            session.Property(s => s.EstimationFieldId).HasColumnName("estimation_field_id").HasMaxLength(255);
            session.Property(s => s.SourceKind).HasColumnName("source_kind").HasConversion<string>().HasMaxLength(32);
            session.Property(s => s.SprintId).HasColumnName("sprint_id");
            session.Property(s => s.FacilitatorAccountId).HasColumnName("facilitator_account_id").HasMaxLength(128);
            session.Property(s => s.Mode).HasColumnName("mode").HasConversion<string>().HasMaxLength(32);
            session.Property(s => s.Status).HasColumnName("status").HasConversion<string>().HasMaxLength(32);
            session.Property(s => s.CreatedAt).HasColumnName("created_at");
            session.Property(s => s.EndedAt).HasColumnName("ended_at");
            session.Property(s => s.UpdatedAt).HasColumnName("updated_at");
            session.Property(s => s.IssueCount).HasColumnName("issue_count");
            session.Property(s => s.ParticipantCount).HasColumnName("participant_count");
            session.Property(s => s.Version).HasColumnName("version").IsConcurrencyToken();
            session.Property(s => s.SealedState).HasColumnName("sealed_state");
            session.HasIndex(s => new { s.InstallationId, s.ProjectKey, s.Status, s.CreatedAt })
                .HasDatabaseName("ix_poker_sessions_installation_project_status");
            session.HasIndex(s => new { s.Status, s.EndedAt }).HasDatabaseName("ix_poker_sessions_status_ended_at");
            session.HasIndex(s => s.UpdatedAt).HasDatabaseName("ix_poker_sessions_updated_at");
            session.HasOne(s => s.Installation)
                .WithMany()
                .HasForeignKey(s => s.InstallationId)
                .HasConstraintName("fk_poker_sessions_installations_installation_id")
                .OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<InstallationKeyEntity>(key =>
        {
            key.ToTable("installation_keys");
            key.HasKey(k => new { k.InstallationId, k.Version }).HasName("pk_installation_keys");
            key.Property(k => k.InstallationId).HasColumnName("installation_id").HasMaxLength(200);
            key.Property(k => k.Version).HasColumnName("version").ValueGeneratedNever();
            key.Property(k => k.KekId).HasColumnName("kek_id").HasMaxLength(255).IsConcurrencyToken();
            key.Property(k => k.WrappedKey).HasColumnName("wrapped_key");
            key.Property(k => k.CreatedAt).HasColumnName("created_at");
            key.Property(k => k.RetiredAt).HasColumnName("retired_at");
            key.HasIndex(k => k.KekId).HasDatabaseName("ix_installation_keys_kek_id");
            key.HasOne(k => k.Installation)
                .WithMany()
                .HasForeignKey(k => k.InstallationId)
                .HasConstraintName("fk_installation_keys_installations_installation_id")
                .OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<AuditEventEntity>(audit =>
        {
            audit.ToTable("audit_events");
            audit.HasKey(a => a.Id).HasName("pk_audit_events");
            audit.Property(a => a.Id).HasColumnName("id").ValueGeneratedOnAdd();
            audit.Property(a => a.OccurredAt).HasColumnName("occurred_at");
            audit.Property(a => a.Actor).HasColumnName("actor").HasMaxLength(200);
            audit.Property(a => a.Action).HasColumnName("action").HasMaxLength(100);
            audit.Property(a => a.Subject).HasColumnName("subject").HasMaxLength(255);
            audit.Property(a => a.Details).HasColumnName("details");
            audit.Property(a => a.Sequence).HasColumnName("sequence");
            audit.Property(a => a.InstallationId).HasColumnName("installation_id").HasMaxLength(200);
            audit.Property(a => a.OperatorId).HasColumnName("operator_id").HasMaxLength(32);
            audit.Property(a => a.SshKeyFingerprint).HasColumnName("ssh_key_fingerprint").HasMaxLength(64);
            audit.Property(a => a.PrevHash).HasColumnName("prev_hash").HasMaxLength(64);
            audit.Property(a => a.Hash).HasColumnName("hash").HasMaxLength(64);
            audit.HasIndex(a => new { a.Action, a.Subject }).HasDatabaseName("ix_audit_events_action_subject");
            audit.HasIndex(a => a.Sequence).IsUnique().HasDatabaseName("ux_audit_events_sequence");
            audit.HasIndex(a => new { a.InstallationId, a.OccurredAt }).HasDatabaseName("ix_audit_events_installation_occurred_at");
        });

        modelBuilder.Entity<OperatorEntity>(op =>
        {
            op.ToTable("operators");
            op.HasKey(o => o.Id).HasName("pk_operators");
            op.Property(o => o.Id).HasColumnName("id").HasMaxLength(32);
            op.Property(o => o.OsUser).HasColumnName("os_user").HasMaxLength(64);
            op.Property(o => o.DisplayName).HasColumnName("display_name").HasMaxLength(200);
            op.Property(o => o.Role).HasColumnName("role").HasConversion<string>().HasMaxLength(32);
            op.Property(o => o.Active).HasColumnName("active");
            op.Property(o => o.CreatedAt).HasColumnName("created_at");
            op.Property(o => o.UpdatedAt).HasColumnName("updated_at");
            op.HasIndex(o => o.OsUser).IsUnique().HasDatabaseName("ux_operators_os_user");
            op.HasMany(o => o.Keys).WithOne()
                .HasForeignKey(k => k.OperatorId)
                .HasConstraintName("fk_operator_keys_operators_operator_id")
                .OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<OperatorKeyEntity>(key =>
        {
            key.ToTable("operator_keys");
            key.HasKey(k => new { k.OperatorId, k.Fingerprint }).HasName("pk_operator_keys");
            key.Property(k => k.OperatorId).HasColumnName("operator_id").HasMaxLength(32);
            key.Property(k => k.Fingerprint).HasColumnName("fingerprint").HasMaxLength(64);
            key.Property(k => k.AddedAt).HasColumnName("added_at");
            key.HasIndex(k => k.Fingerprint).IsUnique().HasDatabaseName("ux_operator_keys_fingerprint");
        });

        modelBuilder.Entity<SupportGrantEntity>(grant =>
        {
            grant.ToTable("support_grants");
            grant.HasKey(g => g.Id).HasName("pk_support_grants");
            grant.Property(g => g.Id).HasColumnName("id").HasMaxLength(32);
            grant.Property(g => g.OperatorId).HasColumnName("operator_id").HasMaxLength(32);
            grant.Property(g => g.InstallationId).HasColumnName("installation_id").HasMaxLength(200);
            grant.Property(g => g.Reason).HasColumnName("reason").HasMaxLength(500);
            grant.Property(g => g.Ticket).HasColumnName("ticket").HasMaxLength(100);
            grant.Property(g => g.Scope).HasColumnName("scope").HasConversion<string>().HasMaxLength(16);
            grant.Property(g => g.CreatedAt).HasColumnName("created_at");
            grant.Property(g => g.ExpiresAt).HasColumnName("expires_at");
            grant.Property(g => g.RequiresApproval).HasColumnName("requires_approval");
            grant.Property(g => g.ApprovedBy).HasColumnName("approved_by").HasMaxLength(32);
            grant.Property(g => g.ApprovedAt).HasColumnName("approved_at");
            grant.Property(g => g.RevokedBy).HasColumnName("revoked_by").HasMaxLength(32);
            grant.Property(g => g.RevokedAt).HasColumnName("revoked_at");
            grant.HasIndex(g => new { g.InstallationId, g.CreatedAt }).HasDatabaseName("ix_support_grants_installation_created_at");
            grant.HasOne<OperatorEntity>().WithMany()
                .HasForeignKey(g => g.OperatorId)
                .HasConstraintName("fk_support_grants_operators_operator_id")
                .OnDelete(DeleteBehavior.Restrict);
        });

        // The tombstone of a purged installation: deliberately no foreign key, it outlives the row.
        modelBuilder.Entity<InstallationPurgeEntity>(purge =>
        {
            purge.ToTable("installation_purges");
            purge.HasKey(p => p.InstallationId).HasName("pk_installation_purges");
            purge.Property(p => p.InstallationId).HasColumnName("installation_id").HasMaxLength(200);
            purge.Property(p => p.PurgedAt).HasColumnName("purged_at");
            purge.Property(p => p.Reason).HasColumnName("reason").HasMaxLength(32);
            purge.Property(p => p.LastKeyVersion).HasColumnName("last_key_version");
            purge.Property(p => p.Purges).HasColumnName("purges");
        });

        modelBuilder.Entity<PersonalDataAccountEntity>(account =>
        {
            account.ToTable("personal_data_accounts");
            account.HasKey(a => new { a.InstallationId, a.AccountId }).HasName("pk_personal_data_accounts");
            account.Property(a => a.InstallationId).HasColumnName("installation_id").HasMaxLength(200);
            account.Property(a => a.AccountId).HasColumnName("account_id").HasMaxLength(128);
            account.Property(a => a.FirstStoredAt).HasColumnName("first_stored_at");
            account.Property(a => a.LastStoredAt).HasColumnName("last_stored_at");
            account.Property(a => a.LastReportedAt).HasColumnName("last_reported_at");
            account.HasOne(a => a.Installation)
                .WithMany()
                .HasForeignKey(a => a.InstallationId)
                .HasConstraintName("fk_personal_data_accounts_installations_installation_id")
                .OnDelete(DeleteBehavior.Cascade);
        });
    }
}
