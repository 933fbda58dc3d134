using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Estimo.Core.Poker;
using Estimo.Core.Security;
using Estimo.Storage.Entities;
using Estimo.Storage.PersonalData;
using Estimo.Storage.Security;
using Microsoft.EntityFrameworkCore;

namespace Estimo.Storage.Sessions;

/// <summary>
/// Poker sessions on EF Core. The state document (hidden votes included) is sealed by
/// <see cref="ISecretProtector"/> bound to (<c>poker_sessions</c>, <c>state</c>, session id,
/// installation id), so it cannot be read from a dump or moved to another session or tenant.
/// Writes are optimistic on the session's version.
/// </summary>
internal sealed class EfPokerSessionStore(
    IDbContextFactory<EstimoDbContext> contexts,
    ISecretProtector protector,
    TimeProvider time) : IPokerSessionStore
{
    internal const string Table = "poker_sessions";
    internal const string Column = "state";
    private const int MaxAttempts = 3;

    public async Task AddAsync(StoredPokerSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var row = new PokerSessionEntity
            {
                Id = session.SessionId,
                InstallationId = session.InstallationId,
                ProjectKey = session.Scope.ProjectKey,
                BoardId = session.Scope.BoardId,
                EstimationFieldId = session.Scope.EstimationFieldId,
                SourceKind = session.Scope.SourceKind,
                SprintId = session.Scope.SprintId,
                FacilitatorAccountId = session.Session.FacilitatorAccountId,
                CreatedAt = StorageTime.Normalize(session.Session.CreatedAt),
                SealedState = [],
            };
            await ApplyAsync(row, session, cancellationToken);
            db.PokerSessions.Add(row);
            await PersonalDataLedger.TrackAsync(db, session.InstallationId, PersonalDataLedger.AccountsOf(session.Session), time.GetUtcNow(), cancellationToken);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return;
            }
            catch (DbUpdateException exception) when (db.IsForeignKeyViolation(exception))
            {
                // The installation is not registered (or was purged a moment ago).
                throw new Installations.UnknownInstallationException(session.InstallationId, exception);
            }
            catch (DbUpdateException exception) when (attempt < MaxAttempts && db.IsUniqueViolation(exception))
            {
                // Another save recorded one of these account ids first; the next attempt sees it.
                // A duplicate session id is the caller's error, not a race to retry.
                if (await ExistsAsync(session, cancellationToken))
                {
                    throw;
                }
            }
        }
    }

    public async Task<StoredPokerSession?> FindAsync(string installationId, string sessionId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.PokerSessions.AsNoTracking()
            .SingleOrDefaultAsync(s => s.Id == sessionId && s.InstallationId == installationId, cancellationToken);
        return row is null ? null : await OpenAsync(row, cancellationToken);
    }

    public async Task<bool> TrySaveAsync(StoredPokerSession session, long expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var row = await db.PokerSessions
                .SingleOrDefaultAsync(s => s.Id == session.SessionId && s.InstallationId == session.InstallationId, cancellationToken);
            if (row is null || row.Version != expectedVersion)
            {
                return false;
            }

            await ApplyAsync(row, session, cancellationToken);
            await PersonalDataLedger.TrackAsync(db, session.InstallationId, PersonalDataLedger.AccountsOf(session.Session), time.GetUtcNow(), cancellationToken);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return true;
            }
            catch (DbUpdateConcurrencyException)
            {
                return false;
            }
            catch (DbUpdateException exception) when (attempt < MaxAttempts && db.IsUniqueViolation(exception))
            {
                // Another save recorded one of these account ids first; the next attempt sees it.
            }
        }
    }

    public async Task<IReadOnlyList<PokerSessionSummary>> ListAsync(string installationId, string? projectKey, SessionStatus? status, int limit, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.PokerSessions.AsNoTracking().Where(s => s.InstallationId == installationId);
        if (projectKey is not null)
        {
            query = query.Where(s => s.ProjectKey == projectKey);
        }

        if (status is { } wanted)
        {
            query = query.Where(s => s.Status == wanted);
        }

        var rows = await query
            .OrderByDescending(s => s.CreatedAt)
            .Take(Math.Clamp(limit, 1, 200))
            .Select(s => new
            {
                s.Id, s.ProjectKey, s.BoardId, s.EstimationFieldId, s.SourceKind, s.SprintId,
                s.FacilitatorAccountId, s.Mode, s.Status, s.CreatedAt, s.IssueCount, s.ParticipantCount,
            })
            .ToListAsync(cancellationToken);
        return
        [
            .. rows.Select(s => new PokerSessionSummary(
                s.Id,
                new SessionScope(s.ProjectKey, s.BoardId, s.EstimationFieldId, s.SourceKind, s.SprintId),
                s.FacilitatorAccountId,
                s.Mode,
                s.Status,
                s.CreatedAt,
                s.IssueCount,
                s.ParticipantCount)),
        ];
    }

    public async Task<int> DeleteExpiredAsync(DateTimeOffset endedBefore, DateTimeOffset untouchedSince, CancellationToken cancellationToken)
    {
        var ended = StorageTime.Normalize(endedBefore);
        var untouched = StorageTime.Normalize(untouchedSince);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var expired = db.PokerSessions.Where(s => (s.Status == SessionStatus.Ended && s.EndedAt < ended) || s.UpdatedAt < untouched);
        var installations = await expired.Select(s => s.InstallationId).Distinct().CountAsync(cancellationToken);
        var deleted = await expired.ExecuteDeleteAsync(cancellationToken);
        if (deleted > 0)
        {
            // Each retention purge is audited, with counts only, in the deletion's transaction.
            AuditLog.Add(db, time.GetUtcNow(), "system:retention", "sessions.retention-purged", "all", new JsonObject
            {
                ["sessionsDeleted"] = deleted,
                ["installations"] = installations,
                ["endedBefore"] = ended.ToString("O", CultureInfo.InvariantCulture),
                ["untouchedSince"] = untouched.ToString("O", CultureInfo.InvariantCulture),
            });
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    private async Task ApplyAsync(PokerSessionEntity row, StoredPokerSession session, CancellationToken cancellationToken)
    {
        var plaintext = SessionStateDocument.Serialize(session);
        try
        {
            row.SealedState = await protector.ProtectAsync(plaintext, Binding(session.InstallationId, session.SessionId), cancellationToken);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        row.Mode = session.Session.Mode;
        row.Status = session.Session.Status;
        row.EndedAt = session.Session.EndedAt is { } endedAt ? StorageTime.Normalize(endedAt) : null;
        row.UpdatedAt = StorageTime.Normalize(time.GetUtcNow());
        row.IssueCount = session.Session.Issues.Count;
        row.ParticipantCount = session.Session.Participants.Count;
        row.Version = session.Session.Version;
    }

    private async Task<StoredPokerSession> OpenAsync(PokerSessionEntity row, CancellationToken cancellationToken)
    {
        var plaintext = await protector.UnprotectAsync(row.SealedState, Binding(row.InstallationId, row.Id), cancellationToken);
        try
        {
            var document = SessionStateDocument.Deserialize(plaintext);
            var restored = PokerSession.Restore(document.Session);
            if (restored.Value is not { } session)
            {
                throw new InvalidDataException($"Stored session {row.Id} does not satisfy the session rules: {restored.Error?.Message}");
            }

            return new StoredPokerSession(
                new SessionScope(row.ProjectKey, row.BoardId, row.EstimationFieldId, row.SourceKind, row.SprintId),
                session,
                document.HiddenIssues.ToDictionary(p => p.Key, p => (IReadOnlyCollection<string>)p.Value, StringComparer.Ordinal));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private async Task<bool> ExistsAsync(StoredPokerSession session, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.PokerSessions.AnyAsync(s => s.Id == session.SessionId, cancellationToken);
    }

    internal static SecretBinding Binding(string installationId, string sessionId) =>
        new(Table, Column, sessionId, installationId);
}
