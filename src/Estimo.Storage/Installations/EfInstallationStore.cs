using Estimo.Core.Installations;
using Estimo.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Estimo.Storage.Installations;

/// <summary>
/// The installation registry on EF Core. Upserts are idempotent because Forge retries
/// lifecycle events, sometimes concurrently: a duplicate insert that loses the race re-reads
/// the winner's row and applies the event to it, and an update that loses to a concurrent
/// update (the <c>version</c> token) re-reads and tries again.
/// </summary>
internal sealed class EfInstallationStore(
    IDbContextFactory<EstimoDbContext> contexts,
    TimeProvider time,
    ILogger<EfInstallationStore> logger) : IInstallationStore
{
    private const int MaxAttempts = 5;

    public Task<InstallationChange> RecordInstalledAsync(InstallationRegistration registration, CancellationToken cancellationToken) =>
        UpsertAsync(registration, isUpgrade: false, cancellationToken);

    public Task<InstallationChange> RecordUpgradedAsync(InstallationRegistration registration, CancellationToken cancellationToken) =>
        UpsertAsync(registration, isUpgrade: true, cancellationToken);

    public async Task<Installation?> FindAsync(string installationId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(installationId);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.Installations.AsNoTracking().SingleOrDefaultAsync(i => i.Id == installationId, cancellationToken);
        return row?.ToInstallation();
    }

    private async Task<InstallationChange> UpsertAsync(InstallationRegistration registration, bool isUpgrade, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        ArgumentException.ThrowIfNullOrEmpty(registration.InstallationId);
        var lifecycleEvent = isUpgrade ? "upgraded" : "installed";
        var occurredAt = StorageTime.Normalize(registration.OccurredAt);

        for (var attempt = 1; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var row = await db.Installations.SingleOrDefaultAsync(i => i.Id == registration.InstallationId, cancellationToken);
            InstallationChange change;
            if (row is null)
            {
                db.Installations.Add(new InstallationEntity
                {
                    Id = registration.InstallationId,
                    CloudId = registration.CloudId,
                    SiteUrl = registration.SiteUrl,
                    ApiBaseUrl = registration.ApiBaseUrl,
                    AppVersion = registration.AppVersion,
                    Environment = registration.Environment,
                    InstalledAt = occurredAt,
                    // An upgrade for an unknown installation means its install event was lost.
                    UpgradedAt = isUpgrade ? occurredAt : null,
                    Status = InstallationStatus.Active,
                    UpdatedAt = StorageTime.Normalize(time.GetUtcNow()),
                    Version = 1,
                });
                change = InstallationChange.Created;
            }
            else if (Apply(row, registration, occurredAt, isUpgrade))
            {
                row.UpdatedAt = StorageTime.Normalize(time.GetUtcNow());
                row.Version++;
                change = InstallationChange.Updated;
            }
            else
            {
                change = InstallationChange.Unchanged;
            }

            try
            {
                if (change != InstallationChange.Unchanged)
                {
                    await db.SaveChangesAsync(cancellationToken);
                }

                StorageLog.InstallationRecorded(logger, registration.InstallationId, change, lifecycleEvent);
                return change;
            }
            catch (DbUpdateException exception) when (attempt < MaxAttempts
                && (exception is DbUpdateConcurrencyException || db.IsUniqueViolation(exception)))
            {
                StorageLog.InstallationWriteRaceLost(logger, registration.InstallationId, attempt);
            }
        }
    }

    /// <summary>Applies the event's facts to the row; false when nothing changes.</summary>
    private static bool Apply(InstallationEntity row, InstallationRegistration registration, DateTimeOffset occurredAt, bool isUpgrade)
    {
        var changed = false;
        Set(row.CloudId, registration.CloudId, v => row.CloudId = v);
        // Install events carry no site URL; keep the one a UI invocation told us.
        if (registration.SiteUrl is not null)
        {
            Set(row.SiteUrl, registration.SiteUrl, v => row.SiteUrl = v);
        }

        Set(row.ApiBaseUrl, registration.ApiBaseUrl, v => row.ApiBaseUrl = v);
        Set(row.AppVersion, registration.AppVersion, v => row.AppVersion = v);
        Set(row.Environment, registration.Environment, v => row.Environment = v);

        // Installing (or upgrading) what we believed uninstalled brings it back, and stops the purge clocks.
        Set(row.Status, InstallationStatus.Active, v => row.Status = v);
        Set(row.UninstalledAt, null, v => row.UninstalledAt = v);
        Set(row.TokenRefusedSince, null, v => row.TokenRefusedSince = v);

        // Only a newer upgrade moves upgraded_at, so a retried older event changes nothing.
        if (isUpgrade && (row.UpgradedAt is null || row.UpgradedAt < occurredAt))
        {
            row.UpgradedAt = occurredAt;
            changed = true;
        }

        return changed;

        void Set<T>(T current, T next, Action<T> assign)
        {
            if (!EqualityComparer<T>.Default.Equals(current, next))
            {
                assign(next);
                changed = true;
            }
        }
    }
}
