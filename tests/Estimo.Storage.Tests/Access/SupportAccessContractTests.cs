using Estimo.Core.Installations;
using Estimo.Core.Poker;
using Estimo.Storage.Access;
using Estimo.Storage.Security;
using Estimo.Storage.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Estimo.Storage.Tests.Access;

/// <summary>
/// Operators, roles and support grants on a real database of each provider: what each role
/// may and may not do, grant expiry, revocation and the two-person rule, and that every
/// refusal is audited.
/// </summary>
public abstract class SupportAccessContractTests<TFixture> : IClassFixture<TFixture>
    where TFixture : StorageFixture
{
    private const string Reason = "Customer reports a stuck session";

    protected SupportAccessContractTests(TFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        Fixture = fixture;
        Fixture.EnsureAvailable();
    }

    protected TFixture Fixture { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private OperatorRegistry Registry => Fixture.Get<OperatorRegistry>();

    private SupportGrants Grants => Fixture.Get<SupportGrants>();

    [Fact]
    public async Task Bootstrap_OnlyWhileEmpty_AndOnlyAsASupportEngineer()
    {
        await ResetAsync();

        var developerFirst = await Assert.ThrowsAsync<AccessDeniedException>(() => Registry.AddAsync("root", "dev1", "Dev One", OperatorRole.Developer, bootstrap: true, Ct));
        var first = await Registry.AddAsync("root", "sup1", "Sup One", OperatorRole.SupportEngineer, bootstrap: true, Ct);
        var second = await Assert.ThrowsAsync<AccessDeniedException>(() => Registry.AddAsync("root", "sup2", "Sup Two", OperatorRole.SupportEngineer, bootstrap: true, Ct));

        Assert.Contains("must be a support engineer", developerFirst.Message, StringComparison.Ordinal);
        Assert.Matches("^op-[0-9a-f]{12}$", first.Id);
        Assert.Contains("already has operators", second.Message, StringComparison.Ordinal);
        Assert.Equal(2, await CountAuditAsync(AccessAuditRefused, "operators.add"));
    }

    [Theory]
    [InlineData("SHA256:short")]
    [InlineData("MD5:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU")]
    [InlineData("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")]
    [InlineData("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV")] // non-canonical final character
    [InlineData("SHA256:47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZG3hSuFU")]
    public async Task AddKey_WithAMalformedFingerprint_IsRefusedAndAudited(string fingerprint)
    {
        var op = await NewOperatorAsync(OperatorRole.Developer);
        var before = await CountAuditAsync(AccessAuditRefused, "operators.add-key");

        var refused = await Assert.ThrowsAsync<AccessDeniedException>(() => Registry.AddKeyAsync("sup1", op.OsUser, fingerprint, Ct));

        Assert.Contains("malformed", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before + 1, await CountAuditAsync(AccessAuditRefused, "operators.add-key"));
        Assert.Empty((await Registry.FindByOsUserAsync(op.OsUser, Ct))!.Fingerprints);
    }

    [Fact]
    public async Task AddKey_WithAValidFingerprint_IsRegistered_AndOnlyOnce()
    {
        var a = await NewOperatorAsync(OperatorRole.Developer);
        var b = await NewOperatorAsync(OperatorRole.Developer);
        var fingerprint = SshKeyFingerprint.Of(Guid.NewGuid().ToByteArray());

        var added = await Registry.AddKeyAsync("sup1", a.OsUser, fingerprint, Ct);
        var twice = await Assert.ThrowsAsync<AccessDeniedException>(() => Registry.AddKeyAsync("sup1", b.OsUser, fingerprint, Ct));

        Assert.Equal([fingerprint], added.Fingerprints);
        Assert.Contains("already registered", twice.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADeveloper_CannotRequestASupportGrant()
    {
        var developer = await NewOperatorAsync(OperatorRole.Developer);
        var installation = await NewInstallationAsync();

        var refused = await Assert.ThrowsAsync<AccessDeniedException>(() => Grants.RequestAsync(developer.OsUser, developer, installation, Reason, "SUP-1", GrantScope.Read, null, Ct));

        Assert.Contains("developers have no access to tenant data", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, await CountAuditAsync(AccessAuditRefused, "grants.request", installation));
    }

    [Fact]
    public async Task AGrant_DefaultsToFourHours_IsCappedAt24_AndExpiresOnItsOwn()
    {
        var support = await NewOperatorAsync(OperatorRole.SupportEngineer);
        var installation = await NewInstallationAsync();

        var grant = await Grants.RequestAsync(support.OsUser, support, installation, Reason, "SUP-2", GrantScope.Read, null, Ct);
        var tooLong = await Assert.ThrowsAsync<AccessDeniedException>(() => Grants.RequestAsync(support.OsUser, support, installation, Reason, "SUP-2", GrantScope.Read, TimeSpan.FromHours(25), Ct));
        var valid = await Grants.ValidateAsync(support.OsUser, support, grant.Id, installation, GrantScope.Read, Ct);
        Fixture.Time.Advance(TimeSpan.FromHours(4));
        var expired = await Assert.ThrowsAsync<AccessDeniedException>(() => Grants.ValidateAsync(support.OsUser, support, grant.Id, installation, GrantScope.Read, Ct));

        Assert.Equal(TimeSpan.FromHours(4), grant.ExpiresAt - grant.CreatedAt);
        Assert.Contains("at most 24 hours", tooLong.Message, StringComparison.Ordinal);
        Assert.Equal(installation, valid.InstallationId);
        Assert.Equal("this grant is expired.", expired.Message);
        Assert.Equal(1, await CountAuditAsync(AccessAuditRefused, "support.read", installation));
    }

    [Fact]
    public async Task ARevokedGrant_ForAnotherInstallation_OrAnotherScope_OrAnotherOperator_IsRefused()
    {
        var support = await NewOperatorAsync(OperatorRole.SupportEngineer);
        var colleague = await NewOperatorAsync(OperatorRole.SupportEngineer);
        var installation = await NewInstallationAsync();
        var other = await NewInstallationAsync();
        var grant = await Grants.RequestAsync(support.OsUser, support, installation, Reason, "SUP-3", GrantScope.Read, TimeSpan.FromHours(1), Ct);

        var wrongInstallation = await Assert.ThrowsAsync<AccessDeniedException>(() => Grants.ValidateAsync(support.OsUser, support, grant.Id, other, GrantScope.Read, Ct));
        var wrongScope = await Assert.ThrowsAsync<AccessDeniedException>(() => Grants.ValidateAsync(support.OsUser, support, grant.Id, installation, GrantScope.Purge, Ct));
        var wrongOperator = await Assert.ThrowsAsync<AccessDeniedException>(() => Grants.ValidateAsync(colleague.OsUser, colleague, grant.Id, installation, GrantScope.Read, Ct));
        await Grants.RevokeAsync(support.OsUser, support, grant.Id, Ct);
        var revoked = await Assert.ThrowsAsync<AccessDeniedException>(() => Grants.ValidateAsync(support.OsUser, support, grant.Id, installation, GrantScope.Read, Ct));

        Assert.Equal("this grant is for another installation.", wrongInstallation.Message);
        Assert.Contains("scope is read, not purge", wrongScope.Message, StringComparison.Ordinal);
        Assert.Equal("this grant belongs to another operator.", wrongOperator.Message);
        Assert.Equal("this grant is revoked.", revoked.Message);
        Assert.Equal(1, await CountAuditAsync(AccessAuditRefused, "support.read", other));
        Assert.Equal(1, await CountAuditAsync("grants.revoked", null, installation));
    }

    [Fact]
    public async Task TwoPersonRule_TheGrantIsInactiveUntilASecondSupportEngineerApproves()
    {
        var grants = new SupportGrants(Fixture.Get<IDbContextFactory<EstimoDbContext>>(), Fixture.Time, Options.Create(new AccessOptions { TwoPersonRule = true }));
        var requester = await NewOperatorAsync(OperatorRole.SupportEngineer);
        var approver = await NewOperatorAsync(OperatorRole.SupportEngineer);
        var developer = await NewOperatorAsync(OperatorRole.Developer);
        var installation = await NewInstallationAsync();
        var grant = await grants.RequestAsync(requester.OsUser, requester, installation, Reason, "SUP-4", GrantScope.Read, null, Ct);

        var pending = await Assert.ThrowsAsync<AccessDeniedException>(() => grants.ValidateAsync(requester.OsUser, requester, grant.Id, installation, GrantScope.Read, Ct));
        var own = await Assert.ThrowsAsync<AccessDeniedException>(() => grants.ApproveAsync(requester.OsUser, requester, grant.Id, Ct));
        var byDeveloper = await Assert.ThrowsAsync<AccessDeniedException>(() => grants.ApproveAsync(developer.OsUser, developer, grant.Id, Ct));
        var approved = await grants.ApproveAsync(approver.OsUser, approver, grant.Id, Ct);
        var valid = await grants.ValidateAsync(requester.OsUser, requester, grant.Id, installation, GrantScope.Read, Ct);

        Assert.Equal("this grant is awaiting-approval.", pending.Message);
        Assert.Contains("cannot approve your own grant", own.Message, StringComparison.Ordinal);
        Assert.Contains("only an active support engineer", byDeveloper.Message, StringComparison.Ordinal);
        Assert.Equal(approver.Id, approved.ApprovedBy);
        Assert.Equal(grant.Id, valid.GrantId);
        Assert.Equal(2, await CountAuditAsync(AccessAuditRefused, "grants.approve", installation));
    }

    [Fact]
    public async Task SupportRead_UnderAGrant_DecryptsCounts_AndIsAuditedForTheInstallationBeforeReading()
    {
        var support = await NewOperatorAsync(OperatorRole.SupportEngineer);
        var installation = await NewInstallationAsync();
        var other = await NewInstallationAsync();
        await NewSessionAsync(installation);
        await NewSessionAsync(other);
        var grant = await Grants.RequestAsync(support.OsUser, support, installation, Reason, "SUP-5", GrantScope.Read, null, Ct);
        var valid = await Grants.ValidateAsync(support.OsUser, support, grant.Id, installation, GrantScope.Read, Ct);

        IReadOnlyList<SupportSessionSummary> sessions;
        using (AuditContext.Use(new AuditActor(support.Id, null)))
        {
            sessions = await Fixture.Get<SupportDataReader>().ListSessionsAsync(support.OsUser, valid, Ct);
        }

        var summary = Assert.Single(sessions);
        Assert.Equal((1, 1, 1), (summary.Issues, summary.Rounds, summary.VotesCast));
        await using var db = Fixture.CreateContext();
        var record = await db.AuditEvents.SingleAsync(a => a.Action == "support.sessions.read" && a.InstallationId == installation, Ct);
        Assert.Equal(support.Id, record.OperatorId);
        Assert.Contains(Reason, record.Details, StringComparison.Ordinal);
        Assert.Contains("SUP-5", record.Details, StringComparison.Ordinal);
        Assert.False(await db.AuditEvents.AnyAsync(a => a.Action == "support.sessions.read" && a.InstallationId == other, Ct));
    }

    [Fact]
    public async Task DeactivatingTheLastActiveSupportEngineer_IsRefused()
    {
        await ResetAsync();
        var only = await Registry.AddAsync("root", "onlysup", "Only", OperatorRole.SupportEngineer, bootstrap: true, Ct);

        var refused = await Assert.ThrowsAsync<AccessDeniedException>(() => Registry.SetActiveAsync("onlysup", only.OsUser, active: false, Ct));
        var dev = await Registry.AddAsync("onlysup", "somedev", "Dev", OperatorRole.Developer, bootstrap: false, Ct);
        var deactivated = await Registry.SetActiveAsync("onlysup", dev.OsUser, active: false, Ct);

        Assert.Contains("last active support engineer", refused.Message, StringComparison.Ordinal);
        Assert.False(deactivated.Active);
    }

    private const string AccessAuditRefused = "access.refused";

    private async Task ResetAsync()
    {
        await using var db = Fixture.CreateContext();
        await db.SupportGrants.ExecuteDeleteAsync(Ct);
        await db.OperatorKeys.ExecuteDeleteAsync(Ct);
        await db.Operators.ExecuteDeleteAsync(Ct);
        await db.AuditEvents.ExecuteDeleteAsync(Ct);
    }

    private async Task<OperatorInfo> NewOperatorAsync(OperatorRole role)
    {
        var osUser = "u" + Guid.NewGuid().ToString("N")[..12];
        var empty = await Registry.IsEmptyAsync(Ct);
        return await Registry.AddAsync("root", osUser, "Test " + osUser, empty ? OperatorRole.SupportEngineer : role, bootstrap: empty, Ct) is { } added && added.Role == role
            ? added
            : await Registry.AddAsync("root", "u" + Guid.NewGuid().ToString("N")[..12], "Test", role, bootstrap: false, Ct);
    }

    private async Task<string> NewInstallationAsync()
    {
        var installation = Some.InstallationId();
        await Fixture.Get<IInstallationStore>().RecordInstalledAsync(Some.Registration(installation), Ct);
        return installation;
    }

    private async Task NewSessionAsync(string installation)
    {
        var now = Fixture.Time.GetUtcNow();
        var session = PokerSession.Create(
            new NewPokerSession
            {
                SessionId = Guid.NewGuid().ToString("N"),
                InstallationId = installation,
                FacilitatorAccountId = "facilitator",
                Deck = BuiltInDecks.Fibonacci,
                Issues = [new PokerIssue("10001", "EST-1")],
            },
            now).Value!;
        session.Join("voter", ParticipantRole.Voter, now);
        session.CastVote("voter", "10001", "5", now);
        await Fixture.Get<IPokerSessionStore>().AddAsync(new StoredPokerSession(new SessionScope("EST", 1, "customfield_10016", SessionSourceKind.Backlog, null), session), Ct);
    }

    private async Task<int> CountAuditAsync(string action, string? attempted, string? installation = null)
    {
        await using var db = Fixture.CreateContext();
        var records = await db.AuditEvents.AsNoTracking().Where(a => a.Action == action && (installation == null || a.InstallationId == installation)).Select(a => a.Details).ToListAsync(Ct);
        return records.Count(d => attempted is null || d.Contains($"\"attempted\":\"{attempted}\"", StringComparison.Ordinal));
    }
}

public sealed class SqliteSupportAccessTests(SqliteStorageFixture fixture) : SupportAccessContractTests<SqliteStorageFixture>(fixture);

public sealed class PostgreSqlSupportAccessTests(PostgreSqlStorageFixture fixture) : SupportAccessContractTests<PostgreSqlStorageFixture>(fixture);
