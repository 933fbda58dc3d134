using System.Text.Json.Nodes;
using Estimo.Core.Installations;
using Estimo.Core.Poker;
using Estimo.Ops.Tests.Support;
using Estimo.Storage.Access;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Ops.Tests;

/// <summary>
/// Roles, grants and the audit chain as an operator meets them: a real <c>estimo-ops</c>
/// process on a real SQLite database. The tests run as one OS user (root here), so the role
/// or state of that user's registry entry is changed in the database between commands.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AccessCommandsTests : IDisposable
{
    private readonly string _workDir = Path.Combine(Path.GetTempPath(), "estimo-ops-tests", Guid.NewGuid().ToString("N"));

    public AccessCommandsTests() => Directory.CreateDirectory(_workDir);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Me => Environment.UserName;

    [Fact]
    public async Task BeforeAnyOperatorIsRegistered_OnlyRootsBootstrapCommandsRun()
    {
        var refused = await RunAsync("keys", "rewrap");
        var migrate = await RunAsync("migrate");
        var stillRefused = await RunAsync("audit", "verify");
        var developerFirst = await RunAsync("operators", "add", "--os-user", Me, "--name", "Me", "--role", "Developer");
        var bootstrap = await RunAsync("operators", "add", "--os-user", Me, "--name", "Me", "--role", "SupportEngineer");
        var again = await RunAsync("operators", "add", "--os-user", "second", "--name", "Second", "--role", "SupportEngineer");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("no operator is registered yet", refused.Error, StringComparison.Ordinal);
        Assert.Equal(0, migrate.ExitCode);
        Assert.Equal(1, stillRefused.ExitCode);
        Assert.Equal(1, developerFirst.ExitCode);
        Assert.Equal(0, bootstrap.ExitCode);
        Assert.Equal(0, again.ExitCode); // now as the registered support engineer, not as the bootstrap
        Assert.Equal(1L, await ScalarAsync("SELECT COUNT(*) FROM audit_events WHERE action = 'operators.add' AND details LIKE '%\"bootstrap\":true%'"));
        Assert.Equal(1L, await ScalarAsync("SELECT COUNT(*) FROM audit_events WHERE action = 'operators.add' AND details LIKE '%\"bootstrap\":false%'"));
    }

    [Fact]
    public async Task AnUnknownUser_CanDoNothing_AndIsAudited()
    {
        await OpsProcess.BootstrapAsync(_workDir);
        await SqlAsync($"UPDATE operators SET os_user = 'someone-else' WHERE os_user = '{Me}'");

        var results = new[] { await RunAsync("keys", "rewrap"), await RunAsync("audit", "verify"), await RunAsync("operators", "list"), await RunAsync("migrate") };

        Assert.All(results, r =>
        {
            Assert.Equal(1, r.ExitCode);
            Assert.Equal($"estimo-ops: refused: OS user '{Me}' is not a registered operator.", r.Error.Trim());
        });
        Assert.Equal(4L, await ScalarAsync($"SELECT COUNT(*) FROM audit_events WHERE action = 'access.refused' AND actor = '{Me}' AND operator_id IS NULL"));
    }

    [Fact]
    public async Task ADeactivatedOperator_CanDoNothing()
    {
        await OpsProcess.BootstrapAsync(_workDir);
        await SqlAsync("UPDATE operators SET active = 0");

        var result = await RunAsync("operators", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is deactivated", result.Error, StringComparison.Ordinal);
        Assert.Equal(1L, await ScalarAsync("SELECT COUNT(*) FROM audit_events WHERE action = 'access.refused' AND operator_id IS NOT NULL"));
    }

    [Fact]
    public async Task ADeveloper_RunsSystemOperations_ButNothingOnTenantData()
    {
        await OpsProcess.BootstrapAsync(_workDir);
        var installation = await SeedAsync();
        var grant = await RunAsync("grants", "request", "--installation", installation, "--reason", "Investigating a stuck session", "--ticket", "SUP-1", "--scope", "Read");
        var grantId = grant.Output.Split(' ', ':')[1];
        await SqlAsync("UPDATE operators SET role = 'Developer'");

        var rewrap = await RunAsync("keys", "rewrap");
        var verify = await RunAsync("audit", "verify");
        var request = await RunAsync("grants", "request", "--installation", installation, "--reason", "Investigating a stuck session", "--ticket", "SUP-1", "--scope", "Read");
        var read = await RunAsync("support", "sessions", "--installation", installation, "--grant", grantId);
        var manage = await RunAsync("operators", "add", "--os-user", "newbie", "--name", "New", "--role", "Developer");

        Assert.Equal(0, grant.ExitCode);
        Assert.Equal(0, rewrap.ExitCode);
        Assert.Equal(0, verify.ExitCode);
        Assert.All(new[] { request, read, manage }, r =>
        {
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("needs the SupportEngineer role", r.Error, StringComparison.Ordinal);
        });
        Assert.Equal(0L, await ScalarAsync("SELECT COUNT(*) FROM audit_events WHERE action = 'support.sessions.read'"));
    }

    [Fact]
    public async Task ASupportEngineer_ReadsOnlyUnderAnActiveGrantForThatInstallation_AndTheReadIsAuditedForIt()
    {
        await OpsProcess.BootstrapAsync(_workDir);
        var installation = await SeedAsync();
        var other = await SeedAsync();
        var grant = await RunAsync("grants", "request", "--installation", installation, "--reason", "Investigating a stuck session", "--ticket", "SUP-42", "--scope", "Read", "--hours", "2");
        var grantId = grant.Output.Split(' ', ':')[1];

        var withoutGrant = await RunAsync("support", "sessions", "--installation", installation);
        var otherInstallation = await RunAsync("support", "sessions", "--installation", other, "--grant", grantId);
        var read = await RunAsync("support", "sessions", "--installation", installation, "--grant", grantId);
        var revoke = await RunAsync("grants", "revoke", grantId);
        var afterRevoke = await RunAsync("support", "sessions", "--installation", installation, "--grant", grantId);

        Assert.Equal(0, grant.ExitCode);
        Assert.Equal(2, withoutGrant.ExitCode);
        Assert.Equal("estimo-ops: refused: this grant is for another installation.", otherInstallation.Error.Trim());
        Assert.Equal(0, read.ExitCode);
        Assert.Contains("1 session(s)", read.Output, StringComparison.Ordinal);
        Assert.Contains("votes 1", read.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("EST-1", read.Output, StringComparison.Ordinal);
        Assert.Equal(0, revoke.ExitCode);
        Assert.Equal("estimo-ops: refused: this grant is revoked.", afterRevoke.Error.Trim());
        var record = (string)(await ScalarAsync($"SELECT details FROM audit_events WHERE action = 'support.sessions.read' AND installation_id = '{installation}' AND operator_id LIKE 'op-%'"))!;
        Assert.Equal("SUP-42", JsonNode.Parse(record)!["ticket"]!.GetValue<string>());
        Assert.Equal(0, (await RunAsync("audit", "verify")).ExitCode);
    }

    [Fact]
    public async Task TwoPersonRule_ApprovingYourOwnGrant_IsRefused_AndTheGrantStaysInactive()
    {
        await OpsProcess.BootstrapAsync(_workDir);
        var installation = await SeedAsync();
        var rule = new[] { "--set", "Access:TwoPersonRule=true" };
        var grant = await RunAsync(["grants", "request", "--installation", installation, "--reason", "Investigating a stuck session", "--ticket", "SUP-7", "--scope", "Read", .. rule]);
        var grantId = grant.Output.Split(' ', ':')[1];

        var own = await RunAsync(["grants", "approve", grantId, .. rule]);
        var read = await RunAsync(["support", "sessions", "--installation", installation, "--grant", grantId, .. rule]);

        Assert.Contains("awaiting approval", grant.Output, StringComparison.Ordinal);
        Assert.Equal("estimo-ops: refused: you cannot approve your own grant; a second support engineer must.", own.Error.Trim());
        Assert.Equal("estimo-ops: refused: this grant is awaiting-approval.", read.Error.Trim());
    }

    [Theory]
    [InlineData("operators", "add-key", "x", "--fingerprint", "SHA256:tooshort")]
    [InlineData("operators", "add", "--os-user", "Bad User", "--name", "x", "--role", "Developer")]
    public async Task MalformedRegistryEntries_AreRefusedAndAudited(params string[] args)
    {
        await OpsProcess.BootstrapAsync(_workDir);

        var result = await RunAsync(args);

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.Equal(1L, await ScalarAsync("SELECT COUNT(*) FROM audit_events WHERE action = 'access.refused'"));
    }

    [Theory]
    [InlineData("grants", "request", "--installation", "x", "--reason", "long enough reason", "--ticket", "T-1", "--scope", "Read", "--hours", "25")]
    [InlineData("grants", "request", "--installation", "x", "--scope", "Everything")]
    [InlineData("grants", "approve")]
    [InlineData("operators", "add-key", "x")]
    [InlineData("audit", "export", "--since", "yesterday")]
    public async Task BadArguments_AreOneLineWithExitCode2(params string[] args)
    {
        var result = await RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task EditingTheAuditTableByHand_IsCaughtByAuditVerify_NamingTheRecord()
    {
        await OpsProcess.BootstrapAsync(_workDir);
        var anchor = Path.Combine(_workDir, "anchors.jsonl");
        Assert.Equal(0, (await RunAsync("audit", "anchor", "--out", anchor)).ExitCode);
        Assert.Equal(0, (await RunAsync("audit", "verify", "--anchors", anchor)).ExitCode);
        var id = (long)(await ScalarAsync("SELECT id FROM audit_events WHERE action = 'operators.add'"))!;

        await SqlAsync($"UPDATE audit_events SET actor = 'nobody' WHERE id = {id}");
        var verify = await RunAsync("audit", "verify", "--anchors", anchor);

        Assert.Equal(1, verify.ExitCode);
        Assert.Contains($"broken at record id {id}", verify.Error, StringComparison.Ordinal);
        Assert.Contains("edited", verify.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InsideSsh_TheKeyMustBeRegistered_AndItsFingerprintIsInEveryAuditRecord()
    {
        await OpsProcess.BootstrapAsync(_workDir);
        var blob = Convert.ToBase64String([0, 0, 0, 11, .. "ssh-ed25519"u8.ToArray(), 0, 0, 0, 32, .. Guid.NewGuid().ToByteArray(), .. Guid.NewGuid().ToByteArray()]);
        var authInfo = Path.Combine(_workDir, "auth-info");
        await File.WriteAllTextAsync(authInfo, $"publickey ssh-ed25519 {blob}\n", Ct);
        var publicKey = Path.Combine(_workDir, "key.pub");
        await File.WriteAllTextAsync(publicKey, $"ssh-ed25519 {blob} me@laptop\n", Ct);
        var ssh = new Dictionary<string, string> { ["SSH_CONNECTION"] = "127.0.0.1 50000 127.0.0.1 22", ["SSH_USER_AUTH"] = authInfo };
        var noAuthInfo = new Dictionary<string, string> { ["SSH_CONNECTION"] = "127.0.0.1 50000 127.0.0.1 22" };

        var unregistered = await RunAsync(ssh, "operators", "list");
        var hidden = await RunAsync(noAuthInfo, "operators", "list");
        var register = await RunAsync("operators", "add-key", Me, "--public-key", publicKey);
        var registered = await RunAsync(ssh, "audit", "anchor");

        var fingerprint = SshKeyFingerprint.FromPublicKeyLine($"ssh-ed25519 {blob}")!;
        Assert.Equal(1, unregistered.ExitCode);
        Assert.Contains($"the SSH key {fingerprint} is not registered", unregistered.Error, StringComparison.Ordinal);
        Assert.Contains("ExposeAuthInfo", hidden.Error, StringComparison.Ordinal);
        Assert.Equal(0, register.ExitCode);
        Assert.Equal(0, registered.ExitCode);
        Assert.Equal(2L, await ScalarAsync($"SELECT COUNT(*) FROM audit_events WHERE action IN ('ops.command', 'audit.anchored') AND ssh_key_fingerprint = '{fingerprint}'"));
    }

    private Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => OpsProcess.RunAsync(_workDir, null, args);

    private Task<(int ExitCode, string Output, string Error)> RunAsync(Dictionary<string, string> environment, params string[] args) => OpsProcess.RunAsync(_workDir, environment, args);

    private async Task<string> SeedAsync()
    {
        var services = new ServiceCollection();
        services.AddEstimoStorage(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = Path.Combine(_workDir, ".estimo", "data"),
        }).Build());
        await using var provider = services.BuildServiceProvider();
        var installation = $"ari:cloud:ecosystem::installation/{Guid.NewGuid()}";
        var now = DateTimeOffset.UtcNow;
        await provider.GetRequiredService<IInstallationStore>().RecordInstalledAsync(
            new InstallationRegistration(installation, Guid.NewGuid().ToString(), new Uri("https://acme.atlassian.net"), new Uri("https://api.atlassian.com/ex/jira/x"), "1.0.0", "PRODUCTION", now), Ct);
        var session = PokerSession.Create(
            new NewPokerSession { SessionId = Guid.NewGuid().ToString("N"), InstallationId = installation, FacilitatorAccountId = "facilitator", Deck = BuiltInDecks.Fibonacci, Issues = [new PokerIssue("10001", "EST-1")] },
            now).Value!;
        session.Join("voter", ParticipantRole.Voter, now);
        session.CastVote("voter", "10001", "5", now);
        await provider.GetRequiredService<IPokerSessionStore>().AddAsync(new StoredPokerSession(new SessionScope("EST", 1, "customfield_10016", SessionSourceKind.Backlog, null), session), Ct);
        return installation;
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_workDir, ".estimo", "data", "estimo.db")};Pooling=false");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(Ct);
    }

    private async Task SqlAsync(string sql) => await ScalarAsync(sql);
}
