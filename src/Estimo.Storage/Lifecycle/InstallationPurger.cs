using System.Text.Json.Nodes;
using Estimo.Storage.Entities;
using Estimo.Storage.Installations;
using Estimo.Storage.Notifications;
using Estimo.Storage.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Estimo.Storage.Lifecycle;

/// <summary>
/// Purges an installation: crypto-shreds its data keys, then deletes every row it owns
/// (sessions, system token, data-key rows, personal-data bookkeeping, the installation itself)
/// and leaves a tombstone (<c>installation_purges</c>: id, when, why, the last key version; no
/// tenant data), all in one transaction with the audit record. Then it tells every
/// <see cref="IInstallationPurgeListener"/>.
/// </summary>
/// <remarks>
/// Safe to interrupt and rerun: the shred is its own audited transaction (values are unreadable
/// from then on), the deletion and tombstone commit together, and a rerun on a purged
/// installation (tombstone, no rows) only calls the listeners again, so a crash between the
/// commit and the listeners is repaired by running the purge again.
/// </remarks>
public sealed partial class InstallationPurger
{
    private const int MaxNoteLength = 200;
    private readonly IDbContextFactory<EstimoDbContext> _contexts;
    private readonly KeyMaintenance _keys;
    private readonly DataKeyRing _ring;
    private readonly IEnumerable<IInstallationPurgeListener> _listeners;
    private readonly ISessionChangeChannel? _changes;
    private readonly TimeProvider _time;
    private readonly ILogger<InstallationPurger> _log;

    internal InstallationPurger(
        IDbContextFactory<EstimoDbContext> contexts,
        KeyMaintenance keys,
        DataKeyRing ring,
        IEnumerable<IInstallationPurgeListener> listeners,
        ISessionChangeChannel? changes,
        TimeProvider time,
        ILogger<InstallationPurger> log)
    {
        _contexts = contexts;
        _keys = keys;
        _ring = ring;
        _listeners = listeners;
        _changes = changes;
        _time = time;
        _log = log;
    }

    /// <summary>
    /// Purges <paramref name="installationId"/> for <paramref name="reason"/>, acting as
    /// <paramref name="actor"/> (<c>system:lifecycle</c>, <c>site-admin</c>, or the operator);
    /// <paramref name="note"/> is an operator's free-text reason kept in the audit record (at
    /// most 200 characters). See the class remarks.
    /// </summary>
    /// <exception cref="UnknownInstallationException">No such installation, and none was ever purged.</exception>
    /// <exception cref="PurgeListenerException">The purge committed but a listener failed; run it again.</exception>
    public async Task<PurgeResult> PurgeAsync(string installationId, PurgeReason reason, string actor, string? note, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(installationId);
        ArgumentException.ThrowIfNullOrEmpty(actor);
        if (note is { Length: > MaxNoteLength })
        {
            throw new ArgumentException($"The reason must be at most {MaxNoteLength} characters.", nameof(note));
        }

        bool exists;
        await using (var db = await _contexts.CreateDbContextAsync(cancellationToken))
        {
            exists = await db.Installations.AnyAsync(i => i.Id == installationId, cancellationToken)
                || await db.InstallationKeys.AnyAsync(k => k.InstallationId == installationId, cancellationToken);
            if (!exists && !await db.InstallationPurges.AnyAsync(p => p.InstallationId == installationId, cancellationToken))
            {
                throw new UnknownInstallationException(installationId);
            }
        }

        PurgeResult result;
        if (exists)
        {
            // First make every sealed value unreadable (audited as keys.shred); the deletion follows.
            await _keys.ShredAsync(actor, installationId, cancellationToken);
            result = await DeleteAsync(installationId, reason, actor, note, cancellationToken);
            Log.Purged(_log, installationId, reason.Name(), result.Sessions, result.Accounts);
        }
        else
        {
            result = new PurgeResult(installationId, reason, AlreadyPurged: true, 0, 0, 0, 0);
            Log.AlreadyPurged(_log, installationId);
        }

        await NotifyListenersAsync(installationId, cancellationToken);
        return result;
    }

    /// <summary>
    /// Installations due for a purge at <paramref name="now"/>: uninstalled longer than
    /// <paramref name="afterUninstall"/> ago, or whose system token Atlassian has refused for
    /// longer than <paramref name="afterTokenRefused"/>.
    /// </summary>
    public async Task<IReadOnlyList<(string InstallationId, PurgeReason Reason)>> FindDueAsync(DateTimeOffset now, TimeSpan afterUninstall, TimeSpan afterTokenRefused, CancellationToken cancellationToken)
    {
        var uninstalledBefore = StorageTime.Normalize(now - afterUninstall);
        var refusedBefore = StorageTime.Normalize(now - afterTokenRefused);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Installations.AsNoTracking()
            .Where(i => i.UninstalledAt <= uninstalledBefore || i.TokenRefusedSince <= refusedBefore)
            .Select(i => new { i.Id, i.UninstalledAt })
            .ToListAsync(cancellationToken);
        return [.. rows.Select(r => (r.Id, r.UninstalledAt <= uninstalledBefore ? PurgeReason.Uninstalled : PurgeReason.TokenRefused))];
    }

    /// <summary>Records that the installation was uninstalled (starts the purge clock once; idempotent).</summary>
    /// <returns>False when the installation is unknown.</returns>
    public async Task<bool> MarkUninstalledAsync(string installationId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var when = StorageTime.Normalize(at);
        var updated = await db.Installations
            .Where(i => i.Id == installationId)
            .ExecuteUpdateAsync(
                i => i.SetProperty(x => x.Status, Core.Installations.InstallationStatus.Uninstalled)
                    .SetProperty(x => x.UninstalledAt, x => x.UninstalledAt ?? when)
                    .SetProperty(x => x.Version, x => x.Version + 1),
                cancellationToken);
        return updated > 0;
    }

    /// <summary>
    /// Drops this process's cached current data key of an installation found purged by another
    /// instance, so the installation's next value is sealed under a new key, not the destroyed one.
    /// </summary>
    public void ForgetCachedKeys(string installationId) => _ring.Forget(installationId, []);

    /// <summary>What is stored for an installation now (the admin page's summary); zeros when nothing is.</summary>
    public async Task<InstallationDataSummary> SummarizeAsync(string installationId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(installationId);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var installation = await db.Installations.AsNoTracking()
            .Where(i => i.Id == installationId)
            .Select(i => new { i.InstalledAt, i.PersonalDataReportedAt, i.TokenRefusedSince })
            .SingleOrDefaultAsync(cancellationToken);
        var sessions = await db.PokerSessions.CountAsync(s => s.InstallationId == installationId, cancellationToken);
        var oldest = await db.PokerSessions.Where(s => s.InstallationId == installationId).MinAsync(s => (DateTimeOffset?)s.CreatedAt, cancellationToken);
        var accounts = await db.PersonalDataAccounts.CountAsync(a => a.InstallationId == installationId, cancellationToken);
        var purge = await db.InstallationPurges.AsNoTracking().SingleOrDefaultAsync(p => p.InstallationId == installationId, cancellationToken);
        return new InstallationDataSummary(
            installationId,
            installation is not null,
            installation?.InstalledAt,
            sessions,
            accounts,
            oldest,
            installation?.PersonalDataReportedAt,
            installation?.TokenRefusedSince,
            purge?.PurgedAt);
    }

    private async Task<PurgeResult> DeleteAsync(string installationId, PurgeReason reason, string actor, string? note, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var sessionIds = await db.PokerSessions.Where(s => s.InstallationId == installationId).Select(s => s.Id).ToListAsync(cancellationToken);
        var accounts = await db.PersonalDataAccounts.Where(a => a.InstallationId == installationId).ExecuteDeleteAsync(cancellationToken);
        var sessions = await db.PokerSessions.Where(s => s.InstallationId == installationId).ExecuteDeleteAsync(cancellationToken);
        var tokens = await db.SystemTokens.Where(t => t.InstallationId == installationId).ExecuteDeleteAsync(cancellationToken);
        var lastVersion = await db.InstallationKeys.Where(k => k.InstallationId == installationId).MaxAsync(k => (int?)k.Version, cancellationToken) ?? 0;
        var keys = await db.InstallationKeys.Where(k => k.InstallationId == installationId).ExecuteDeleteAsync(cancellationToken);
        await db.Installations.Where(i => i.Id == installationId).ExecuteDeleteAsync(cancellationToken);

        var now = StorageTime.Normalize(_time.GetUtcNow());
        var tombstone = await db.InstallationPurges.SingleOrDefaultAsync(p => p.InstallationId == installationId, cancellationToken);
        if (tombstone is null)
        {
            tombstone = new InstallationPurgeEntity { InstallationId = installationId, Reason = reason.Name() };
            db.InstallationPurges.Add(tombstone);
        }

        tombstone.PurgedAt = now;
        tombstone.Reason = reason.Name();
        tombstone.LastKeyVersion = Math.Max(tombstone.LastKeyVersion, lastVersion);
        tombstone.Purges++;

        var details = new JsonObject
        {
            ["installation"] = installationId,
            ["reason"] = reason.Name(),
            ["sessionsDeleted"] = sessions,
            ["accountIdsDeleted"] = accounts,
            ["systemTokensDeleted"] = tokens,
            ["dataKeysDeleted"] = keys,
            ["lastKeyVersion"] = tombstone.LastKeyVersion,
        };
        if (!string.IsNullOrWhiteSpace(note))
        {
            details["note"] = note;
        }

        AuditLog.Add(db, now, actor, "installation.purged", installationId, details);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        _ring.Forget(installationId, Enumerable.Range(1, tombstone.LastKeyVersion));
        if (_changes is not null)
        {
            // Other instances drop their cached copies of the deleted sessions.
            foreach (var sessionId in sessionIds)
            {
                await _changes.AnnounceAsync(new SessionChange(installationId, sessionId, long.MaxValue), cancellationToken);
            }
        }

        return new PurgeResult(installationId, reason, AlreadyPurged: false, sessions, accounts, tokens, keys);
    }

    private async Task NotifyListenersAsync(string installationId, CancellationToken cancellationToken)
    {
        var failed = new List<string>();
        foreach (var listener in _listeners)
        {
            try
            {
                await listener.OnInstallationPurgedAsync(installationId, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.ListenerFailed(_log, installationId, listener.GetType().Name, ex.GetType().Name);
                failed.Add(listener.GetType().Name);
            }
        }

        if (failed.Count > 0)
        {
            throw new PurgeListenerException(installationId, failed);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3601, Level = LogLevel.Warning, Message = "Purged installation {InstallationId} ({Reason}): {Sessions} session(s), {Accounts} account id(s) deleted; data keys shredded")]
        public static partial void Purged(ILogger logger, string installationId, string reason, int sessions, int accounts);

        [LoggerMessage(EventId = 3602, Level = LogLevel.Information, Message = "Installation {InstallationId} was already purged; notifying listeners again")]
        public static partial void AlreadyPurged(ILogger logger, string installationId);

        [LoggerMessage(EventId = 3603, Level = LogLevel.Error, Message = "Purge listener {Listener} failed for installation {InstallationId} ({ExceptionType}); run the purge again")]
        public static partial void ListenerFailed(ILogger logger, string installationId, string listener, string exceptionType);
    }
}

/// <summary>What <see cref="InstallationPurger.PurgeAsync"/> did.</summary>
public sealed record PurgeResult(string InstallationId, PurgeReason Reason, bool AlreadyPurged, int Sessions, int Accounts, int SystemTokens, int DataKeys);

/// <summary>What an installation has stored (admin page, operator summary). No tenant content.</summary>
public sealed record InstallationDataSummary(
    string InstallationId,
    bool Registered,
    DateTimeOffset? InstalledAt,
    int Sessions,
    int StoredAccountIds,
    DateTimeOffset? OldestData,
    DateTimeOffset? LastPersonalDataReport,
    DateTimeOffset? TokenRefusedSince,
    DateTimeOffset? LastPurgedAt);

/// <summary>The purge committed, but one or more listeners failed; rerunning the purge calls them again.</summary>
public sealed class PurgeListenerException : Exception
{
    public PurgeListenerException(string installationId, IReadOnlyList<string> listeners)
        : base($"Installation '{installationId}' was purged, but {string.Join(", ", listeners)} failed; run the purge again to retry them.")
    {
    }

    public PurgeListenerException()
    {
    }

    public PurgeListenerException(string message)
        : base(message)
    {
    }

    public PurgeListenerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
