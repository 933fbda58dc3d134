using Estimo.Storage.Backups;
using Microsoft.EntityFrameworkCore;

namespace Estimo.Storage.Security;

/// <summary>
/// Anchors the audit chain's head and exports the anchor to the <see cref="IAuditAnchorStore"/>
/// (the backup target), so a truncated or rewritten chain is caught even when whoever did it
/// also deleted the anchor records in the database. Only when the head moved since the last
/// anchor: an idle system does not grow its log by an anchor record per run. One process at a
/// time (the backup locks: a PostgreSQL session advisory lock, a file lock on SQLite), so
/// several instances sharing a database anchor once per interval.
/// </summary>
public sealed class AuditAnchorExporter
{
    /// <summary>The actor of scheduled anchors.</summary>
    public const string SchedulerActor = "system:audit-anchor";

    private readonly IDbContextFactory<EstimoDbContext> _contexts;
    private readonly AuditChain _chain;
    private readonly IAuditAnchorStore _store;
    private readonly BackupLocks _locks;

    internal AuditAnchorExporter(IDbContextFactory<EstimoDbContext> contexts, AuditChain chain, IAuditAnchorStore store, BackupLocks locks)
    {
        _contexts = contexts;
        _chain = chain;
        _store = store;
        _locks = locks;
    }

    /// <summary>Where anchors are exported to.</summary>
    public string Description => _store.AnchorsDescription;

    /// <summary>
    /// Anchors and exports the head when it moved; when the head is already an anchor record
    /// whose export is missing (the export failed last time), exports that anchor instead.
    /// Failures of the database, the key provider or the target are thrown.
    /// </summary>
    public async Task<AuditAnchorRun> RunOnceAsync(string actor, CancellationToken cancellationToken)
    {
        await using var held = await _locks.TryAcquireAsync(BackupLocks.AnchorKey, cancellationToken);
        if (held is null)
        {
            return new AuditAnchorRun(AuditAnchorOutcome.Busy, null);
        }

        await using (var db = await _contexts.CreateDbContextAsync(cancellationToken))
        {
            var head = await db.AuditEvents.AsNoTracking().Where(a => a.Sequence != null).OrderByDescending(a => a.Sequence)
                .Select(a => new { a.Action, a.Details }).FirstOrDefaultAsync(cancellationToken);
            if (head is null)
            {
                return new AuditAnchorRun(AuditAnchorOutcome.Empty, null);
            }

            if (head.Action == AuditChain.AnchorAction && AuditAnchor.FromDetails(head.Details) is { } last)
            {
                if (await _store.HasAnchorAsync(last.Sequence, cancellationToken))
                {
                    return new AuditAnchorRun(AuditAnchorOutcome.Idle, last);
                }

                await _store.PutAnchorAsync(last, cancellationToken);
                return new AuditAnchorRun(AuditAnchorOutcome.Exported, last);
            }
        }

        var anchor = await _chain.AnchorAsync(actor, cancellationToken);
        await _store.PutAnchorAsync(anchor, cancellationToken);
        return new AuditAnchorRun(AuditAnchorOutcome.Anchored, anchor);
    }

    /// <summary>
    /// The newest anchor record in the database, and when the oldest record it does not cover
    /// was written (null when every record is covered): for monitoring, not for proof.
    /// </summary>
    public async Task<AuditAnchorStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var last = await db.AuditEvents.AsNoTracking().Where(a => a.Sequence != null && a.Action == AuditChain.AnchorAction)
            .OrderByDescending(a => a.Sequence).Select(a => new { a.Sequence, a.OccurredAt }).FirstOrDefaultAsync(cancellationToken);
        var after = last?.Sequence ?? 0;
        var uncovered = await db.AuditEvents.AsNoTracking().Where(a => a.Sequence > after)
            .OrderBy(a => a.Sequence).Select(a => (DateTimeOffset?)a.OccurredAt).FirstOrDefaultAsync(cancellationToken);
        return new AuditAnchorStatus(last?.OccurredAt, last is null ? null : last.Sequence - 1, uncovered);
    }

    /// <summary>Every exported anchor (see <see cref="IAuditAnchorStore.ReadAnchorsAsync"/>).</summary>
    public Task<IReadOnlyList<ExportedAuditAnchor>> ReadExportedAsync(CancellationToken cancellationToken) => _store.ReadAnchorsAsync(cancellationToken);
}

/// <summary>What <see cref="AuditAnchorExporter.RunOnceAsync"/> did.</summary>
public enum AuditAnchorOutcome
{
    /// <summary>The head moved: a new anchor was recorded and exported.</summary>
    Anchored,

    /// <summary>The head was an anchor whose export was missing; it was exported now.</summary>
    Exported,

    /// <summary>Nothing happened since the last anchor, which is exported.</summary>
    Idle,

    /// <summary>The audit log is empty.</summary>
    Empty,

    /// <summary>Another process is anchoring.</summary>
    Busy,
}

/// <summary>See <see cref="AuditAnchorExporter.GetStatusAsync"/>.</summary>
/// <param name="LastAnchorAt">When the newest anchor record was written.</param>
/// <param name="LastAnchoredSequence">The sequence it covers.</param>
/// <param name="OldestUncoveredAt">When the oldest record after it was written; null when there is none.</param>
public sealed record AuditAnchorStatus(DateTimeOffset? LastAnchorAt, long? LastAnchoredSequence, DateTimeOffset? OldestUncoveredAt);

/// <summary>The outcome and the anchor concerned (none when busy or empty).</summary>
public sealed record AuditAnchorRun(AuditAnchorOutcome Outcome, AuditAnchor? Anchor);
