using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Estimo.Core.Poker;
using Estimo.Core.Security;
using Estimo.Storage.Entities;
using Estimo.Storage.Notifications;
using Estimo.Storage.Security;
using Estimo.Storage.Sessions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Estimo.Storage.PersonalData;

/// <summary>
/// The personal-data bookkeeping: which Atlassian account ids each installation's stored data
/// names (<c>personal_data_accounts</c>), written in the same transaction as the session that
/// names them, so an account id is never stored without being known here. The reporter reads
/// it to call Atlassian's personal data reporting API and erases closed accounts through it.
/// </summary>
public sealed partial class PersonalDataLedger
{
    /// <summary>A stored account's <c>last_stored_at</c> is refreshed at most this often (not on every vote).</summary>
    internal static readonly TimeSpan RefreshStoredAfter = TimeSpan.FromDays(1);

    private const int EraseBatch = 100;
    private readonly IDbContextFactory<EstimoDbContext> _contexts;
    private readonly ISecretProtector _protector;
    private readonly ISessionChangeChannel? _changes;
    private readonly TimeProvider _time;
    private readonly ILogger<PersonalDataLedger> _log;

    internal PersonalDataLedger(IDbContextFactory<EstimoDbContext> contexts, ISecretProtector protector, ISessionChangeChannel? changes, TimeProvider time, ILogger<PersonalDataLedger> log)
    {
        _contexts = contexts;
        _protector = protector;
        _changes = changes;
        _time = time;
        _log = log;
    }

    /// <summary>Every account id a session's stored state names.</summary>
    internal static IEnumerable<string> AccountsOf(PokerSession session)
    {
        var snapshot = session.ToSnapshot();
        yield return snapshot.FacilitatorAccountId;
        foreach (var id in snapshot.DelegateAccountIds)
        {
            yield return id;
        }

        foreach (var participant in snapshot.Participants)
        {
            yield return participant.AccountId;
        }

        foreach (var issue in snapshot.Issues)
        {
            if (issue.Accepted is { } accepted)
            {
                yield return accepted.AcceptedBy;
            }

            foreach (var vote in issue.Rounds.SelectMany(r => r.Votes))
            {
                yield return vote.AccountId;
            }
        }
    }

    /// <summary>
    /// Adds the accounts not yet recorded for the installation to <paramref name="db"/> (written by
    /// the caller's save, in its transaction) and refreshes <c>last_stored_at</c> of those recorded
    /// more than a day ago.
    /// </summary>
    internal static async Task TrackAsync(EstimoDbContext db, string installationId, IEnumerable<string> accountIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var wanted = accountIds.Where(a => !string.IsNullOrEmpty(a)).Distinct(StringComparer.Ordinal).ToList();
        if (wanted.Count == 0)
        {
            return;
        }

        var at = StorageTime.Normalize(now);
        var known = await db.PersonalDataAccounts
            .Where(a => a.InstallationId == installationId && wanted.Contains(a.AccountId))
            .ToDictionaryAsync(a => a.AccountId, StringComparer.Ordinal, cancellationToken);
        foreach (var accountId in wanted)
        {
            if (known.TryGetValue(accountId, out var row))
            {
                if (row.LastStoredAt < at - RefreshStoredAfter)
                {
                    row.LastStoredAt = at;
                }
            }
            else
            {
                db.PersonalDataAccounts.Add(new PersonalDataAccountEntity { InstallationId = installationId, AccountId = accountId, FirstStoredAt = at, LastStoredAt = at });
            }
        }
    }

    /// <summary>Active installations whose accounts were last reported before <paramref name="reportedBefore"/> (or never).</summary>
    public async Task<IReadOnlyList<ReportableInstallation>> FindDueAsync(DateTimeOffset reportedBefore, CancellationToken cancellationToken)
    {
        var before = StorageTime.Normalize(reportedBefore);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Installations.AsNoTracking()
            .Where(i => i.Status == Core.Installations.InstallationStatus.Active && (i.PersonalDataReportedAt == null || i.PersonalDataReportedAt < before))
            .OrderBy(i => i.PersonalDataReportedAt)
            .Select(i => new { i.Id, i.ApiBaseUrl })
            .ToListAsync(cancellationToken);
        return [.. rows.Select(r => new ReportableInstallation(r.Id, r.ApiBaseUrl))];
    }

    /// <summary>
    /// The accounts to report for an installation, after dropping those no stored data can name
    /// any more: an account last written before <paramref name="storedBefore"/> (the longest a
    /// session can outlive its last write) is only in sessions retention has deleted.
    /// </summary>
    public async Task<IReadOnlyList<StoredAccount>> AccountsToReportAsync(string installationId, DateTimeOffset storedBefore, CancellationToken cancellationToken)
    {
        var cutoff = StorageTime.Normalize(storedBefore);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        await db.PersonalDataAccounts.Where(a => a.InstallationId == installationId && a.LastStoredAt < cutoff).ExecuteDeleteAsync(cancellationToken);
        var rows = await db.PersonalDataAccounts.AsNoTracking()
            .Where(a => a.InstallationId == installationId)
            .OrderBy(a => a.AccountId)
            .Select(a => new { a.AccountId, a.FirstStoredAt })
            .ToListAsync(cancellationToken);
        return [.. rows.Select(r => new StoredAccount(r.AccountId, r.FirstStoredAt))];
    }

    /// <summary>Records a completed report (audited, counts only) and stops the token-refused clock.</summary>
    public async Task RecordReportedAsync(string installationId, ReportOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var now = StorageTime.Normalize(_time.GetUtcNow());
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.PersonalDataAccounts.Where(a => a.InstallationId == installationId).ExecuteUpdateAsync(a => a.SetProperty(x => x.LastReportedAt, now), cancellationToken);
        var updated = await db.Installations.Where(i => i.Id == installationId)
            .ExecuteUpdateAsync(i => i.SetProperty(x => x.PersonalDataReportedAt, now).SetProperty(x => x.TokenRefusedSince, (DateTimeOffset?)null), cancellationToken);
        if (updated == 0)
        {
            return;
        }

        AuditLog.Add(db, now, "system:personal-data", "personal-data.reported", installationId, new JsonObject
        {
            ["accountsReported"] = outcome.Reported,
            ["batches"] = outcome.Batches,
            ["closed"] = outcome.Closed,
            ["updated"] = outcome.Updated,
            // We keep no profile data (names, emails, avatars), so an "updated" account needs nothing refreshed.
            ["refreshed"] = 0,
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Atlassian refused the installation's system token (401/403): starts the purge clock of
    /// <c>Lifecycle:PurgeAfterTokenRefusedDays</c> unless it is already running.
    /// </summary>
    public async Task RecordTokenRefusedAsync(string installationId, CancellationToken cancellationToken)
    {
        var now = StorageTime.Normalize(_time.GetUtcNow());
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        await db.Installations.Where(i => i.Id == installationId && i.TokenRefusedSince == null)
            .ExecuteUpdateAsync(i => i.SetProperty(x => x.TokenRefusedSince, now), cancellationToken);
    }

    /// <summary>
    /// The installation had no valid system token when its report was due. While installed, Forge
    /// brings a fresh token with every invocation and at least daily with the scheduled trigger;
    /// when none has arrived for longer than <paramref name="silentFor"/>, the tokens have stopped
    /// coming, and the purge clock starts from the last one (unless it is already running).
    /// </summary>
    /// <returns>True when the clock was started now.</returns>
    public async Task<bool> RecordTokenAbsentAsync(string installationId, TimeSpan silentFor, CancellationToken cancellationToken)
    {
        var now = StorageTime.Normalize(_time.GetUtcNow());
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var installation = await db.Installations.AsNoTracking()
            .Where(i => i.Id == installationId && i.TokenRefusedSince == null)
            .Select(i => new { i.InstalledAt, i.UpdatedAt })
            .SingleOrDefaultAsync(cancellationToken);
        if (installation is null)
        {
            return false;
        }

        var lastToken = await db.SystemTokens.Where(t => t.InstallationId == installationId).Select(t => (DateTimeOffset?)t.UpdatedAt).SingleOrDefaultAsync(cancellationToken);
        var lastSign = lastToken ?? (installation.UpdatedAt > installation.InstalledAt ? installation.UpdatedAt : installation.InstalledAt);
        if (lastSign > now - silentFor)
        {
            return false;
        }

        return await db.Installations.Where(i => i.Id == installationId && i.TokenRefusedSince == null)
            .ExecuteUpdateAsync(i => i.SetProperty(x => x.TokenRefusedSince, lastSign), cancellationToken) > 0;
    }

    /// <summary>
    /// Erases a closed account from one installation's data: every occurrence of the id in the
    /// sealed session states (participant, voter, delegate, facilitator, accepter, hidden-issue
    /// keys) and in the plain <c>facilitator_account_id</c> column is replaced by a random
    /// pseudonym, and its bookkeeping row is deleted. A state that would no longer be a valid
    /// session after the rewrite is deleted instead. Audited with counts only (no account id).
    /// </summary>
    public async Task<ErasureResult> EraseAccountAsync(string installationId, string accountId, string actor, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(installationId);
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        var pseudonym = "erased-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var needle = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(accountId));
        var rewritten = new List<string>();
        var deleted = new List<string>();
        string? after = null;
        while (true)
        {
            await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
            var query = db.PokerSessions.Where(s => s.InstallationId == installationId);
            if (after is not null)
            {
                query = query.Where(s => string.Compare(s.Id, after) > 0);
            }

            var batch = await query.OrderBy(s => s.Id).Take(EraseBatch).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            var changed = new List<(string Id, bool Deleted, long Version)>();
            foreach (var row in batch)
            {
                var binding = EfPokerSessionStore.Binding(row.InstallationId, row.Id);
                byte[] plaintext;
                try
                {
                    plaintext = await _protector.UnprotectAsync(row.SealedState, binding, cancellationToken);
                }
                catch (SecretUnprotectException)
                {
                    // Unreadable for everyone (shredded or tampered): it can reveal nothing, but a
                    // plain column may still name the account.
                    if (row.FacilitatorAccountId == accountId)
                    {
                        db.PokerSessions.Remove(row);
                        changed.Add((row.Id, true, long.MaxValue));
                    }

                    continue;
                }

                try
                {
                    if (row.FacilitatorAccountId != accountId && plaintext.AsSpan().IndexOf(needle) < 0)
                    {
                        continue;
                    }

                    var replaced = Replace(plaintext, accountId, pseudonym);
                    if (replaced is null)
                    {
                        db.PokerSessions.Remove(row);
                        changed.Add((row.Id, true, long.MaxValue));
                        continue;
                    }

                    try
                    {
                        row.SealedState = await _protector.ProtectAsync(replaced.Value.Document, binding, cancellationToken);
                    }
                    finally
                    {
                        CryptographicOperations.ZeroMemory(replaced.Value.Document);
                    }

                    row.FacilitatorAccountId = row.FacilitatorAccountId == accountId ? pseudonym : row.FacilitatorAccountId;
                    row.Version = replaced.Value.Version;
                    row.UpdatedAt = StorageTime.Normalize(_time.GetUtcNow());
                    changed.Add((row.Id, false, replaced.Value.Version));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(plaintext);
                }
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                // A live session moved on under us; read this batch again.
                continue;
            }

            foreach (var (id, wasDeleted, version) in changed)
            {
                (wasDeleted ? deleted : rewritten).Add(id);
                if (_changes is not null)
                {
                    await _changes.AnnounceAsync(new SessionChange(installationId, id, version), cancellationToken);
                }
            }

            after = batch[^1].Id;
        }

        await using (var db = await _contexts.CreateDbContextAsync(cancellationToken))
        {
            var now = StorageTime.Normalize(_time.GetUtcNow());
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var rows = await db.PersonalDataAccounts.Where(a => a.InstallationId == installationId && a.AccountId == accountId).ExecuteDeleteAsync(cancellationToken);
            AuditLog.Add(db, now, actor, "personal-data.account-erased", installationId, new JsonObject
            {
                ["sessionsRewritten"] = rewritten.Count,
                ["sessionsDeleted"] = deleted.Count,
                ["bookkeepingRowsDeleted"] = rows,
            });
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        Log.AccountErased(_log, installationId, rewritten.Count, deleted.Count);
        return new ErasureResult(installationId, rewritten, deleted);
    }

    /// <summary>
    /// The state document with every string equal to <paramref name="accountId"/> (values and
    /// property names) replaced and the session version bumped (so a cached copy cannot write
    /// the old state back), or null when the result is not a valid session.
    /// </summary>
    private static (byte[] Document, long Version)? Replace(byte[] plaintext, string accountId, string pseudonym)
    {
        var root = JsonNode.Parse(plaintext);
        if (root is not JsonObject document)
        {
            return null;
        }

        var replaced = Rewrite(document, accountId, pseudonym)!.AsObject();
        if (replaced["session"] is not JsonObject session || session["version"] is not JsonValue versionValue || !versionValue.TryGetValue<long>(out var version))
        {
            return null;
        }

        session["version"] = version + 1;
        var bytes = Encoding.UTF8.GetBytes(replaced.ToJsonString());
        try
        {
            var parsed = SessionStateDocument.Deserialize(bytes);
            if (PokerSession.Restore(parsed.Session).Value is null)
            {
                CryptographicOperations.ZeroMemory(bytes);
                return null;
            }
        }
        catch (JsonException)
        {
            CryptographicOperations.ZeroMemory(bytes);
            return null;
        }

        return (bytes, version + 1);
    }

    private static JsonNode? Rewrite(JsonNode? node, string accountId, string pseudonym) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key == accountId ? pseudonym : p.Key, Rewrite(p.Value, accountId, pseudonym)))),
        JsonArray array => new JsonArray([.. array.Select(item => Rewrite(item, accountId, pseudonym))]),
        JsonValue value when value.GetValueKind() == JsonValueKind.String && value.GetValue<string>() == accountId => JsonValue.Create(pseudonym),
        JsonValue value => JsonNode.Parse(value.ToJsonString()),
        _ => null,
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 3611, Level = LogLevel.Information, Message = "Erased a closed account from installation {InstallationId}: {Rewritten} session(s) rewritten, {Deleted} deleted")]
        public static partial void AccountErased(ILogger logger, string installationId, int rewritten, int deleted);
    }
}

/// <summary>An installation whose stored account ids are due to be reported.</summary>
public sealed record ReportableInstallation(string InstallationId, Uri ApiBaseUrl);

/// <summary>An account id an installation stores, and since when (reported as <c>updatedAt</c>).</summary>
public sealed record StoredAccount(string AccountId, DateTimeOffset FirstStoredAt);

/// <summary>The counts of one installation's report.</summary>
public sealed record ReportOutcome(int Reported, int Batches, int Closed, int Updated);

/// <summary>What <see cref="PersonalDataLedger.EraseAccountAsync"/> changed.</summary>
public sealed record ErasureResult(string InstallationId, IReadOnlyList<string> RewrittenSessions, IReadOnlyList<string> DeletedSessions);
