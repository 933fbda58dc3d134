using System.Text;
using Estimo.Core.Installations;
using Estimo.Core.Poker;
using Estimo.Core.Privacy;
using Estimo.Core.Security;
using Estimo.Storage.Installations;
using Estimo.Storage.Lifecycle;
using Estimo.Storage.Notifications;
using Estimo.Storage.PersonalData;
using Estimo.Storage.Security;
using Estimo.Storage.Sessions;
using Estimo.Storage.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace Estimo.Storage.Tests.Lifecycle;

/// <summary>
/// The installation purge and the personal-data erasure on a real database of each provider:
/// no row of a purged installation is left in any table of the model, none of its sealed
/// values opens any more, and other installations are untouched.
/// </summary>
public abstract class DataLifecycleContractTests<TFixture> : IClassFixture<TFixture>
    where TFixture : StorageFixture
{
    private const string Facilitator = "5b10ac8d82e05b22cc7d4ef5";
    private const string Voter = "5b10a2844c20165700ede21g";
    private const string Closed = "712020:0e9b8c2a-7d41-4c5e-9f0a-closed000001";

    /// <summary>Tables that may name a purged installation: its tombstone and the audit trail.</summary>
    // Records of what was done, kept on purpose (the tombstone, the audit chain, the support grants
    // the customer's transparency view is built from); none holds tenant data.
    private static readonly string[] ProofTables = ["installation_purges", "audit_events", "support_grants"];

    // Our own staff registry: no column can name an installation.
    private static readonly string[] OperatorTables = ["operators", "operator_keys"];

    protected DataLifecycleContractTests(TFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        Fixture = fixture;
        Fixture.EnsureAvailable();
    }

    protected TFixture Fixture { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateTimeOffset Now { get; } = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    private IPokerSessionStore Sessions => Fixture.Get<IPokerSessionStore>();

    private PersonalDataLedger Ledger => Fixture.Get<PersonalDataLedger>();

    [Fact]
    public async Task Purge_LeavesNoRowOfTheInstallationInAnyTable_NoReadableCiphertext_AndOtherInstallationsUntouched()
    {
        var (purged, purgedSessions) = await PopulatedInstallationAsync();
        var (kept, keptSessions) = await PopulatedInstallationAsync();
        var sealedBefore = await SealedValuesAsync(purged);
        var listener = new RecordingListener();

        var result = await Purger(listener).PurgeAsync(purged, PurgeReason.Operator, "ops-alice", "ticket 42", Ct);

        Assert.False(result.AlreadyPurged);
        Assert.Equal((2, 2, 1), (result.Sessions, result.Accounts, result.SystemTokens));
        Assert.Empty(await RowsNamingAsync(purged));
        foreach (var (value, binding) in sealedBefore)
        {
            await Assert.ThrowsAsync<SecretUnprotectException>(async () => await Fixture.Get<ISecretProtector>().UnprotectAsync(value, binding, Ct));
        }

        Assert.Equal([purged], listener.Purged);
        await using var db = Fixture.CreateContext();
        var tombstone = await db.InstallationPurges.SingleAsync(p => p.InstallationId == purged, Ct);
        Assert.Equal(("operator", 1, 1), (tombstone.Reason, tombstone.LastKeyVersion, tombstone.Purges));
        var audit = await db.AuditEvents.Where(a => a.Subject == purged).OrderBy(a => a.Id).ToListAsync(Ct);
        Assert.Equal(["keys.shred", "installation.purged"], audit.Select(a => a.Action));
        Assert.All(audit, a => Assert.Equal("ops-alice", a.Actor));
        Assert.Contains("\"sessionsDeleted\":2", audit[1].Details, StringComparison.Ordinal);
        Assert.DoesNotContain(Voter, audit[1].Details, StringComparison.Ordinal);

        // Tenant isolation: the other installation keeps every row, and its values still open.
        foreach (var id in keptSessions)
        {
            Assert.NotNull(await Sessions.FindAsync(kept, id, Ct));
        }

        Assert.NotNull(await Fixture.Get<ISystemTokenCache>().FindValidAsync(kept, Ct));
        Assert.Equal(2, (await Ledger.AccountsToReportAsync(kept, Now.AddDays(-365), Ct)).Count);
        Assert.Empty(purgedSessions.Intersect(keptSessions));
    }

    [Fact]
    public async Task Purge_Rerun_ChangesNothing_ButNotifiesTheListenersAgain()
    {
        var (installation, _) = await PopulatedInstallationAsync();
        var listener = new RecordingListener();
        var purger = Purger(listener);

        await purger.PurgeAsync(installation, PurgeReason.TokenRefused, "system:lifecycle", null, Ct);
        var again = await purger.PurgeAsync(installation, PurgeReason.TokenRefused, "system:lifecycle", null, Ct);

        Assert.True(again.AlreadyPurged);
        Assert.Equal([installation, installation], listener.Purged);
        await using var db = Fixture.CreateContext();
        Assert.Equal(1, await db.AuditEvents.CountAsync(a => a.Subject == installation && a.Action == "installation.purged", Ct));
    }

    [Fact]
    public async Task Purge_OfAnInstallationNeverSeen_IsRefused()
    {
        var unknown = Some.InstallationId();

        await Assert.ThrowsAsync<UnknownInstallationException>(() => Purger(new RecordingListener()).PurgeAsync(unknown, PurgeReason.Operator, "ops", null, Ct));
    }

    [Fact]
    public async Task Purge_WhenAListenerFails_StillCommits_AndTheRerunRetriesTheListener()
    {
        var (installation, _) = await PopulatedInstallationAsync();
        var listener = new RecordingListener { FailNext = true };

        await Assert.ThrowsAsync<PurgeListenerException>(() => Purger(listener).PurgeAsync(installation, PurgeReason.Operator, "ops", null, Ct));
        Assert.Empty(await RowsNamingAsync(installation));
        await Purger(listener).PurgeAsync(installation, PurgeReason.Operator, "ops", null, Ct);

        Assert.Equal([installation], listener.Purged);
    }

    [Fact]
    public async Task DeleteNow_ThenTheStillInstalledAppComesBack_StartsFreshWithANewerDataKey()
    {
        var (installation, _) = await PopulatedInstallationAsync();
        await Purger(new RecordingListener()).PurgeAsync(installation, PurgeReason.AdminRequest, "site-admin", null, Ct);

        await Fixture.Get<IInstallationStore>().RecordInstalledAsync(Some.Registration(installation), Ct);
        var fresh = NewSession(installation);
        await Sessions.AddAsync(fresh, Ct);

        var found = await Sessions.FindAsync(installation, fresh.SessionId, Ct);
        Assert.NotNull(found);
        await using var db = Fixture.CreateContext();
        var versions = await db.InstallationKeys.Where(k => k.InstallationId == installation).Select(k => k.Version).ToListAsync(Ct);
        Assert.Equal([2], versions);
        Assert.Equal(1, await db.PokerSessions.CountAsync(s => s.InstallationId == installation, Ct));
    }

    [Fact]
    public async Task FindDue_PicksUninstalledAfterTheGrace_AndTokensRefusedLongEnough_AndAReinstallStopsTheClock()
    {
        var uninstalled = await InstalledAsync();
        var recentlyUninstalled = await InstalledAsync();
        var refused = await InstalledAsync();
        var reinstalled = await InstalledAsync();
        var purger = Purger(new RecordingListener());
        await Ledger.RecordTokenRefusedAsync(refused, Ct);
        Fixture.Time.Advance(TimeSpan.FromDays(5.5));
        var now = Fixture.Time.GetUtcNow();
        await purger.MarkUninstalledAsync(uninstalled, now - TimeSpan.FromDays(3.5), Ct);
        await purger.MarkUninstalledAsync(recentlyUninstalled, now - TimeSpan.FromDays(1), Ct);
        await purger.MarkUninstalledAsync(reinstalled, now - TimeSpan.FromDays(4), Ct);
        await Fixture.Get<IInstallationStore>().RecordInstalledAsync(Some.Registration(reinstalled), Ct);

        var due = await purger.FindDueAsync(now, TimeSpan.FromDays(3), TimeSpan.FromDays(5), Ct);

        Assert.Contains((uninstalled, PurgeReason.Uninstalled), due);
        Assert.Contains((refused, PurgeReason.TokenRefused), due);
        Assert.DoesNotContain(due, d => d.InstallationId == recentlyUninstalled || d.InstallationId == reinstalled);
    }

    [Fact]
    public async Task SavingASession_RecordsEveryAccountItStores_OncePerInstallation()
    {
        var installation = await InstalledAsync();
        var session = NewSession(installation);
        session.Session.Join(Voter, ParticipantRole.Voter, Now);
        await Sessions.AddAsync(session, Ct);
        var second = NewSession(installation);
        await Sessions.AddAsync(second, Ct);

        var accounts = await Ledger.AccountsToReportAsync(installation, Now.AddDays(-365), Ct);

        Assert.Equal(new[] { Facilitator, Voter }.Order(StringComparer.Ordinal), accounts.Select(a => a.AccountId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task EraseAccount_RemovesEveryTraceOfTheClosedAccount_FromStatesAndPlainColumns()
    {
        var installation = await InstalledAsync();
        var facilitated = NewSession(installation, facilitator: Closed);
        facilitated.Session.Join(Voter, ParticipantRole.Voter, Now);
        facilitated.Session.CastVote(Voter, "10001", "5", Now);
        facilitated.Session.CastVote(Closed, "10001", "8", Now);
        await Sessions.AddAsync(facilitated, Ct);
        var joined = NewSession(installation);
        joined.Session.Join(Closed, ParticipantRole.Voter, Now);
        joined.Session.CastVote(Closed, "10001", "3", Now);
        joined.HiddenIssues[Closed] = ["10002"];
        await Sessions.AddAsync(joined, Ct);
        var untouched = NewSession(installation);
        await Sessions.AddAsync(untouched, Ct);
        var otherInstallation = await InstalledAsync();
        var elsewhere = NewSession(otherInstallation);
        elsewhere.Session.Join(Closed, ParticipantRole.Voter, Now);
        await Sessions.AddAsync(elsewhere, Ct);

        var result = await Ledger.EraseAccountAsync(installation, Closed, "system:personal-data", Ct);

        Assert.Equal(2, result.RewrittenSessions.Count + result.DeletedSessions.Count);
        Assert.Empty(await PlaintextsNamingAsync(installation, Closed));
        await using var db = Fixture.CreateContext();
        Assert.False(await db.PokerSessions.AnyAsync(s => s.InstallationId == installation && s.FacilitatorAccountId == Closed, Ct));
        Assert.DoesNotContain(Closed, (await Ledger.AccountsToReportAsync(installation, Now.AddDays(-365), Ct)).Select(a => a.AccountId));
        var rewritten = await Sessions.FindAsync(installation, facilitated.SessionId, Ct);
        Assert.NotNull(rewritten);
        Assert.Equal(facilitated.Session.Version + 1, rewritten.Session.Version);
        Assert.Contains(rewritten.Session.Participants, p => p.AccountId == Voter);
        Assert.NotNull(await Sessions.FindAsync(installation, untouched.SessionId, Ct));
        var audit = await db.AuditEvents.SingleAsync(a => a.Subject == installation && a.Action == "personal-data.account-erased", Ct);
        Assert.DoesNotContain(Closed, audit.Details, StringComparison.Ordinal);

        // The same account in another installation is that installation's business.
        Assert.Single(await PlaintextsNamingAsync(otherInstallation, Closed));
    }

    [Fact]
    public async Task Reporter_SendsBatchesOfAtMost90_ErasesClosed_IgnoresUpdated_AndRecordsTheReport()
    {
        var installation = await InstalledAsync();
        await Fixture.Get<ISystemTokenCache>().StoreAsync(installation, "system-token", Fixture.Time.GetUtcNow().AddHours(1), Ct);
        var session = NewSession(installation);
        foreach (var i in Enumerable.Range(0, 199))
        {
            session.Session.Join($"acc-{i:D3}", ParticipantRole.Observer, Now);
        }

        await Sessions.AddAsync(session, Ct);
        var api = new FakeReportingApi { Answer = batch => new ReportResult([.. batch.Where(a => a.AccountId is "acc-007" or "acc-150").Select(a => new AccountStatus(a.AccountId, a.AccountId == "acc-007" ? AccountPrivacyStatus.Closed : AccountPrivacyStatus.Updated))], ReportFailure.None) };

        var reports = await Reporter(api).RunAsync(force: true, TimeSpan.FromDays(90), Ct);

        var report = Assert.Single(reports, r => r.InstallationId == installation);
        Assert.Equal((ReportRunOutcome.Reported, 200, 1, 1), (report.Outcome, report.Reported, report.Closed, report.Updated));
        var mine = api.Batches.Where(b => b.Token == "system-token").Select(b => b.Accounts.Count).ToList();
        Assert.Equal([90, 90, 20], mine);
        Assert.Empty(await PlaintextsNamingAsync(installation, "acc-007"));
        Assert.Single(await PlaintextsNamingAsync(installation, "acc-150"));
        await using var db = Fixture.CreateContext();
        Assert.NotNull(await db.Installations.Where(i => i.Id == installation).Select(i => i.PersonalDataReportedAt).SingleAsync(Ct));
        Assert.True(await db.AuditEvents.AnyAsync(a => a.Subject == installation && a.Action == "personal-data.reported" && a.Details.Contains("\"closed\":1"), Ct));

        // Reported now: not due again until PersonalData:ReportEvery has passed.
        Assert.DoesNotContain(await Reporter(api).RunAsync(force: false, TimeSpan.FromDays(90), Ct), r => r.InstallationId == installation);
    }

    [Fact]
    public async Task Reporter_WhenAtlassianRefusesTheToken_StartsThePurgeClock_AndLeavesTheReportDue()
    {
        var installation = await InstalledAsync();
        await Fixture.Get<ISystemTokenCache>().StoreAsync(installation, "revoked-token", Fixture.Time.GetUtcNow().AddHours(1), Ct);
        await Sessions.AddAsync(NewSession(installation), Ct);
        var api = new FakeReportingApi { Answer = _ => new ReportResult([], ReportFailure.TokenRefused) };

        var reports = await Reporter(api).RunAsync(force: false, TimeSpan.FromDays(90), Ct);

        Assert.Equal(ReportRunOutcome.TokenRefused, Assert.Single(reports, r => r.InstallationId == installation).Outcome);
        var due = await Purger(new RecordingListener()).FindDueAsync(Fixture.Time.GetUtcNow().AddDays(5).AddMinutes(1), TimeSpan.FromDays(3), TimeSpan.FromDays(5), Ct);
        Assert.Contains((installation, PurgeReason.TokenRefused), due);
        await using var db = Fixture.CreateContext();
        Assert.Null(await db.Installations.Where(i => i.Id == installation).Select(i => i.PersonalDataReportedAt).SingleAsync(Ct));
    }

    [Fact]
    public async Task Reporter_WhenTokensStopComing_StartsThePurgeClockFromTheLastOne_AndANewTokenStopsIt()
    {
        var silent = await InstalledAsync();
        var lastToken = Fixture.Time.GetUtcNow();
        await Fixture.Get<ISystemTokenCache>().StoreAsync(silent, "last-token", lastToken.AddHours(1), Ct);
        Fixture.Time.Advance(TimeSpan.FromDays(1));
        var api = new FakeReportingApi();

        var early = await Reporter(api).RunAsync(force: true, TimeSpan.FromDays(90), Ct);
        Fixture.Time.Advance(TimeSpan.FromDays(1.5));
        var late = await Reporter(api).RunAsync(force: true, TimeSpan.FromDays(90), Ct);
        var purger = Purger(new RecordingListener());
        var dueFiveDaysAfterTheLastToken = await purger.FindDueAsync(lastToken.AddDays(5).AddMinutes(1), TimeSpan.FromDays(3), TimeSpan.FromDays(5), Ct);

        Assert.Equal(ReportRunOutcome.NoToken, early.Single(r => r.InstallationId == silent).Outcome);
        Assert.Equal(ReportRunOutcome.NoToken, late.Single(r => r.InstallationId == silent).Outcome);
        Assert.DoesNotContain(api.Batches, b => b.Token == "last-token");
        Assert.Contains((silent, PurgeReason.TokenRefused), dueFiveDaysAfterTheLastToken);

        // A Forge invocation brings a token again: the app is installed after all.
        await Fixture.Get<ISystemTokenCache>().StoreAsync(silent, "fresh-token", Fixture.Time.GetUtcNow().AddHours(1), Ct);
        var dueAfterFreshToken = await purger.FindDueAsync(lastToken.AddDays(5).AddMinutes(1), TimeSpan.FromDays(3), TimeSpan.FromDays(5), Ct);
        Assert.DoesNotContain(dueAfterFreshToken, d => d.InstallationId == silent);
    }

    private PersonalDataReporter Reporter(FakeReportingApi api) => new(
        Ledger,
        Fixture.Get<ISystemTokenCache>(),
        api,
        Microsoft.Extensions.Options.Options.Create(new PersonalDataOptions()),
        Fixture.Time,
        NullLogger<PersonalDataReporter>.Instance);

    private InstallationPurger Purger(RecordingListener listener) => new(
        Fixture.Get<IDbContextFactory<EstimoDbContext>>(),
        Fixture.Get<KeyMaintenance>(),
        Fixture.Get<DataKeyRing>(),
        [listener],
        changes: null,
        Fixture.Time,
        NullLogger<InstallationPurger>.Instance);

    /// <summary>An installation with two sessions (two accounts) and a cached system token.</summary>
    private async Task<(string Installation, string[] Sessions)> PopulatedInstallationAsync()
    {
        var installation = await InstalledAsync();
        var first = NewSession(installation);
        first.Session.Join(Voter, ParticipantRole.Voter, Now);
        first.Session.CastVote(Voter, "10001", "8", Now);
        await Sessions.AddAsync(first, Ct);
        var second = NewSession(installation);
        await Sessions.AddAsync(second, Ct);
        await Fixture.Get<ISystemTokenCache>().StoreAsync(installation, Some.Token(), Fixture.Time.GetUtcNow().AddHours(1), Ct);
        return (installation, [first.SessionId, second.SessionId]);
    }

    /// <summary>Every table of the model with a column naming an installation, asked for rows of this one.</summary>
    private async Task<List<string>> RowsNamingAsync(string installationId)
    {
        await using var db = Fixture.CreateContext();
        var found = new List<string>();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(Ct);
        foreach (var entity in db.Model.GetEntityTypes())
        {
            var table = entity.GetTableName()!;
            if (ProofTables.Contains(table) || OperatorTables.Contains(table))
            {
                continue;
            }

            var store = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(table, entity.GetSchema());
            var columns = entity.GetProperties()
                .Select(p => p.GetColumnName(store)!)
                .Where(c => c == "installation_id" || (table == "installations" && c == "id"))
                .ToList();
            Assert.NotEmpty(columns);
            foreach (var column in columns)
            {
                await using var command = connection.CreateCommand();
                command.CommandText = $"SELECT COUNT(*) FROM {table} WHERE {column} = @id";
                var parameter = command.CreateParameter();
                parameter.ParameterName = "@id";
                parameter.Value = installationId;
                command.Parameters.Add(parameter);
                var count = Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
                if (count > 0)
                {
                    found.Add($"{table}.{column}: {count}");
                }
            }
        }

        return found;
    }

    private async Task<List<(byte[] Value, SecretBinding Binding)>> SealedValuesAsync(string installationId)
    {
        await using var db = Fixture.CreateContext();
        var sessions = await db.PokerSessions.Where(s => s.InstallationId == installationId).Select(s => new { s.Id, s.SealedState }).ToListAsync(Ct);
        var token = await db.SystemTokens.Where(t => t.InstallationId == installationId).Select(t => t.SealedToken).SingleAsync(Ct);
        return
        [
            .. sessions.Select(s => (s.SealedState, EfPokerSessionStore.Binding(installationId, s.Id))),
            (token, EfSystemTokenCache.Binding(installationId)),
        ];
    }

    private async Task<List<string>> PlaintextsNamingAsync(string installationId, string accountId)
    {
        await using var db = Fixture.CreateContext();
        var rows = await db.PokerSessions.Where(s => s.InstallationId == installationId).ToListAsync(Ct);
        var naming = new List<string>();
        foreach (var row in rows)
        {
            var plaintext = Encoding.UTF8.GetString(await Fixture.Get<ISecretProtector>().UnprotectAsync(row.SealedState, EfPokerSessionStore.Binding(installationId, row.Id), Ct));
            if (plaintext.Contains(accountId, StringComparison.Ordinal) || row.FacilitatorAccountId == accountId)
            {
                naming.Add(row.Id);
            }
        }

        return naming;
    }

    private static StoredPokerSession NewSession(string installationId, string facilitator = Facilitator)
    {
        var created = PokerSession.Create(
            new NewPokerSession
            {
                SessionId = Guid.NewGuid().ToString("N"),
                InstallationId = installationId,
                FacilitatorAccountId = facilitator,
                Deck = BuiltInDecks.Fibonacci,
                Issues = [new PokerIssue("10001", "EST-1"), new PokerIssue("10002", "EST-2")],
            },
            Now);
        var session = created.Value ?? throw new InvalidOperationException(created.Error?.Message);
        session.Join(facilitator, ParticipantRole.Voter, Now);
        return new StoredPokerSession(new SessionScope("EST", 1, "customfield_10016", SessionSourceKind.Backlog, null), session);
    }

    private async Task<string> InstalledAsync()
    {
        var registration = Some.Registration();
        await Fixture.Get<IInstallationStore>().RecordInstalledAsync(registration, Ct);
        return registration.InstallationId;
    }

    private sealed class FakeReportingApi : IPersonalDataReportingApi
    {
        public List<(string Token, IReadOnlyCollection<ReportedAccount> Accounts)> Batches { get; } = [];

        public Func<IReadOnlyCollection<ReportedAccount>, ReportResult> Answer { get; set; } = _ => new ReportResult([], ReportFailure.None);

        public Task<ReportResult> ReportAsync(Uri apiBaseUrl, string systemToken, IReadOnlyCollection<ReportedAccount> accounts, CancellationToken cancellationToken)
        {
            Assert.InRange(accounts.Count, 1, IPersonalDataReportingApi.MaxBatch);
            Batches.Add((systemToken, accounts));
            return Task.FromResult(Answer(accounts));
        }
    }

    private sealed class RecordingListener : IInstallationPurgeListener
    {
        public List<string> Purged { get; } = [];

        public bool FailNext { get; set; }

        public Task OnInstallationPurgedAsync(string installationId, CancellationToken cancellationToken)
        {
            if (FailNext)
            {
                FailNext = false;
                throw new IOException("escrow unavailable");
            }

            Purged.Add(installationId);
            return Task.CompletedTask;
        }
    }
}

public sealed class SqliteDataLifecycleTests(SqliteStorageFixture fixture) : DataLifecycleContractTests<SqliteStorageFixture>(fixture);

public sealed class PostgreSqlDataLifecycleTests(PostgreSqlStorageFixture fixture) : DataLifecycleContractTests<PostgreSqlStorageFixture>(fixture);
