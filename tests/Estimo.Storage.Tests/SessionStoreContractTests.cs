using System.Text;
using Estimo.Core.Installations;
using Estimo.Core.Poker;
using Estimo.Storage.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Estimo.Storage.Tests;

/// <summary>The poker session store's behaviour, on every provider.</summary>
public abstract class SessionStoreContractTests<TFixture> : IClassFixture<TFixture>
    where TFixture : StorageFixture
{
    private const string Facilitator = "5b10ac8d82e05b22cc7d4ef5";
    private const string Voter = "5b10a2844c20165700ede21g";

    protected SessionStoreContractTests(TFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        Fixture = fixture;
        Fixture.EnsureAvailable();
    }

    protected TFixture Fixture { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IPokerSessionStore Sessions => Fixture.Get<IPokerSessionStore>();

    [Fact]
    public async Task Added_IsFoundWithItsStateScopeAndHiddenIssues()
    {
        var stored = await NewSessionAsync();
        stored.Session.Join(Voter, ParticipantRole.Voter, Now);
        stored.Session.CastVote(Voter, "10001", "8", Now);
        stored.HiddenIssues[Voter] = ["10002"];
        await Sessions.AddAsync(stored, Ct);

        var found = await Sessions.FindAsync(stored.InstallationId, stored.SessionId, Ct);

        Assert.NotNull(found);
        Assert.Equal(stored.Scope, found.Scope);
        Assert.Equal(stored.Session.Version, found.Session.Version);
        Assert.Equal(["10002"], found.HiddenIssues[Voter]);
        var view = found.Session.ForViewer(Voter, Now);
        Assert.Equal("8", view.Issues[0].Rounds[0].Votes.Single(v => v.AccountId == Voter).Label);
    }

    [Fact]
    public async Task Find_WithAnotherInstallationsId_IsNotFound()
    {
        var stored = await NewSessionAsync();
        await Sessions.AddAsync(stored, Ct);
        var other = await InstalledAsync();

        Assert.Null(await Sessions.FindAsync(other, stored.SessionId, Ct));
        Assert.Empty(await Sessions.ListAsync(other, null, null, 50, Ct));
    }

    [Fact]
    public async Task TrySave_WithTheVersionItLoaded_Saves_AndAStaleWriterLoses()
    {
        var stored = await NewSessionAsync();
        await Sessions.AddAsync(stored, Ct);
        var first = (await Sessions.FindAsync(stored.InstallationId, stored.SessionId, Ct))!;
        var second = (await Sessions.FindAsync(stored.InstallationId, stored.SessionId, Ct))!;
        var loaded = first.Session.Version;

        first.Session.Join(Voter, ParticipantRole.Voter, Now);
        second.Session.Join(Voter, ParticipantRole.Observer, Now);

        Assert.True(await Sessions.TrySaveAsync(first, loaded, Ct));
        Assert.False(await Sessions.TrySaveAsync(second, loaded, Ct));
        var found = await Sessions.FindAsync(stored.InstallationId, stored.SessionId, Ct);
        Assert.Equal(ParticipantRole.Voter, found!.Session.FindParticipant(Voter)!.Role);
    }

    [Fact]
    public async Task List_FiltersByProjectAndStatus_NewestFirst()
    {
        var installation = await InstalledAsync();
        var older = await NewSessionAsync(installation, "EST", Now.AddMinutes(-10));
        var newer = await NewSessionAsync(installation, "EST", Now);
        var otherProject = await NewSessionAsync(installation, "OPS", Now);
        var ended = await NewSessionAsync(installation, "EST", Now.AddMinutes(-5));
        ended.Session.EndSession(Facilitator, Now);
        foreach (var s in new[] { older, newer, otherProject, ended })
        {
            await Sessions.AddAsync(s, Ct);
        }

        var active = await Sessions.ListAsync(installation, "EST", SessionStatus.Active, 50, Ct);

        Assert.Equal([newer.SessionId, older.SessionId], active.Select(s => s.SessionId));
        Assert.All(active, s => Assert.Equal(1, s.ParticipantCount));
        Assert.Equal(3, (await Sessions.ListAsync(installation, "EST", null, 50, Ct)).Count);
    }

    [Fact]
    public async Task DeleteExpired_RemovesLongEndedAndUntouchedSessions_Only()
    {
        var installation = await InstalledAsync();
        var endedLongAgo = await NewSessionAsync(installation);
        endedLongAgo.Session.EndSession(Facilitator, Now.AddDays(-40));
        var endedRecently = await NewSessionAsync(installation);
        endedRecently.Session.EndSession(Facilitator, Now.AddDays(-1));
        var active = await NewSessionAsync(installation);
        foreach (var s in new[] { endedLongAgo, endedRecently, active })
        {
            await Sessions.AddAsync(s, Ct);
        }

        var deleted = await Sessions.DeleteExpiredAsync(Now.AddDays(-30), Fixture.Time.GetUtcNow().AddDays(-90), Ct);

        Assert.Equal(1, deleted);
        Assert.Null(await Sessions.FindAsync(installation, endedLongAgo.SessionId, Ct));
        Assert.NotNull(await Sessions.FindAsync(installation, endedRecently.SessionId, Ct));
        Assert.NotNull(await Sessions.FindAsync(installation, active.SessionId, Ct));

        // Each retention purge is audited with counts only; a sweep that deletes nothing is not.
        await using var db = Fixture.CreateContext();
        var audit = await db.AuditEvents.Where(a => a.Action == "sessions.retention-purged").OrderByDescending(a => a.Id).FirstAsync(Ct);
        Assert.Equal(("system:retention", "all"), (audit.Actor, audit.Subject));
        Assert.Contains("\"sessionsDeleted\":1", audit.Details, StringComparison.Ordinal);
        Assert.DoesNotContain(installation, audit.Details, StringComparison.Ordinal);
        var audited = await db.AuditEvents.CountAsync(a => a.Action == "sessions.retention-purged", Ct);
        Assert.Equal(0, await Sessions.DeleteExpiredAsync(Now.AddDays(-30), Fixture.Time.GetUtcNow().AddDays(-90), Ct));
        Assert.Equal(audited, await db.AuditEvents.CountAsync(a => a.Action == "sessions.retention-purged", Ct));
    }

    [Fact]
    public async Task HiddenVotes_AtRest_NeverAppearInPlaintext()
    {
        var stored = await NewSessionAsync();
        stored.Session.Join(Voter, ParticipantRole.Voter, Now);
        const string Distinctive = "Q7z";
        var deck = Deck.Create("custom", "Custom", [new Card("1", 1m), new Card(Distinctive, null)]).Deck!;
        var custom = NewSession(stored.InstallationId, "EST", Now, deck);
        custom.Session.Join(Voter, ParticipantRole.Voter, Now);
        custom.Session.CastVote(Voter, "10001", Distinctive, Now);
        await Sessions.AddAsync(custom, Ct);

        var raw = await Fixture.ReadRawDataAsync(Ct);

        Assert.Equal(-1, raw.AsSpan().IndexOf(Encoding.UTF8.GetBytes("\"" + Distinctive + "\"")));
        Assert.NotEqual(-1, raw.AsSpan().IndexOf(Encoding.UTF8.GetBytes(custom.SessionId)));
    }

    private static DateTimeOffset Now { get; } = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    private async Task<StoredPokerSession> NewSessionAsync(string? installationId = null, string projectKey = "EST", DateTimeOffset? createdAt = null) =>
        NewSession(installationId ?? await InstalledAsync(), projectKey, createdAt ?? Now, BuiltInDecks.Fibonacci);

    private static StoredPokerSession NewSession(string installationId, string projectKey, DateTimeOffset createdAt, Deck deck)
    {
        var created = PokerSession.Create(
            new NewPokerSession
            {
                SessionId = Guid.NewGuid().ToString("N"),
                InstallationId = installationId,
                FacilitatorAccountId = Facilitator,
                Deck = deck,
                Issues = [new PokerIssue("10001", projectKey + "-1"), new PokerIssue("10002", projectKey + "-2")],
            },
            createdAt);
        var session = created.Value ?? throw new InvalidOperationException(created.Error?.Message);
        session.Join(Facilitator, ParticipantRole.Voter, createdAt);
        return new StoredPokerSession(new SessionScope(projectKey, 1, "customfield_10016", SessionSourceKind.Backlog, null), session);
    }

    private async Task<string> InstalledAsync()
    {
        var registration = Some.Registration();
        await Fixture.Get<IInstallationStore>().RecordInstalledAsync(registration, Ct);
        return registration.InstallationId;
    }
}

public sealed class SqliteSessionStoreTests(SqliteStorageFixture fixture) : SessionStoreContractTests<SqliteStorageFixture>(fixture);

public sealed class PostgreSqlSessionStoreTests(PostgreSqlStorageFixture fixture) : SessionStoreContractTests<PostgreSqlStorageFixture>(fixture);
