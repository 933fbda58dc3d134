using System.Diagnostics;
using Estimo.Core.Installations;
using Estimo.Core.Poker;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Ops.Tests;

/// <summary>
/// <c>estimo-ops keys …</c> as an operator runs it: a real process on a seeded SQLite
/// database and keyring, killed part way where that is the point.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class KeyCommandsTests : IDisposable
{
    private readonly string _workDir = Path.Combine(Path.GetTempPath(), "estimo-ops-tests", Guid.NewGuid().ToString("N"));

    public KeyCommandsTests() => Directory.CreateDirectory(_workDir);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string DatabaseFile => Path.Combine(_workDir, ".estimo", "data", "estimo.db");

    [Fact]
    public async Task RotateDekAll_KilledAfterABatch_ThenRunAgain_LosesNoValue()
    {
        await Support.OpsProcess.BootstrapAsync(_workDir);
        var before = await SeedAsync(installations: 30, sessionsEach: 8);

        var killed = await RunUntilAsync("rotate-dek: installation", "keys", "rotate-dek", "--all", "--batch-size", "3");
        var rerun = await RunAsync("keys", "rotate-dek", "--all", "--batch-size", "3");
        var after = await ReadAllAsync(before.Keys);

        Assert.True(killed, "the first run finished before it could be killed; seed more data");
        Assert.Equal(0, rerun.ExitCode);
        Assert.Contains("resuming the rotation of all", rerun.Output, StringComparison.Ordinal);
        Assert.Contains("0 unreadable", rerun.Output, StringComparison.Ordinal);
        Assert.Equal(before.Count, after.Count);
        foreach (var (key, plaintext) in before)
        {
            Assert.Equal(plaintext, after[key]);
        }

        Assert.Equal(0L, await ScalarAsync("SELECT COUNT(*) FROM (SELECT installation_id FROM installation_keys WHERE retired_at IS NULL GROUP BY installation_id HAVING MAX(version) <> 2)"));
        Assert.Equal(30L, await ScalarAsync("SELECT COUNT(DISTINCT installation_id) FROM installation_keys WHERE retired_at IS NULL AND version = 2"));
        Assert.Equal(Environment.UserName, await ScalarAsync("SELECT actor FROM audit_events WHERE action = 'keys.rotate-dek.started'"));
        Assert.Equal(
            await ScalarAsync($"SELECT id FROM operators WHERE os_user = '{Environment.UserName}'"),
            await ScalarAsync("SELECT operator_id FROM audit_events WHERE action = 'keys.rotate-dek.started' ORDER BY sequence LIMIT 1"));
    }

    [Fact]
    public async Task RetireKek_StillWrappingDataKeys_IsRefused_UntilRewrapped()
    {
        await Support.OpsProcess.BootstrapAsync(_workDir);
        var before = await SeedAsync(installations: 3, sessionsEach: 2);
        var oldKek = (string)(await ScalarAsync("SELECT DISTINCT kek_id FROM installation_keys"))!;

        var add = await RunAsync("keys", "add-kek", "--primary");
        var refused = await RunAsync("keys", "retire-kek", oldKek);
        var rewrap = await RunAsync("keys", "rewrap", "--batch-size", "2");
        var retire = await RunAsync("keys", "retire-kek", oldKek);
        var after = await ReadAllAsync(before.Keys);

        Assert.Equal(0, add.ExitCode);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"KEK '{oldKek}' still wraps 3 data key(s)", refused.Error, StringComparison.Ordinal);
        Assert.Single(refused.Error.Trim().Split('\n'));
        Assert.Equal(0, rewrap.ExitCode);
        Assert.Contains("Re-wrapped 3 data key(s)", rewrap.Output, StringComparison.Ordinal);
        Assert.Equal(0, retire.ExitCode);
        Assert.Equal(before, after);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_workDir, ".estimo", "keys", "keyring.json")));
    }

    [Fact]
    public async Task Shred_ThenRead_ValuesAreGone_AndTheOtherInstallationsAreNot()
    {
        await Support.OpsProcess.BootstrapAsync(_workDir);
        var before = await SeedAsync(installations: 2, sessionsEach: 2);
        var victim = before.Keys.First().Split('|')[0];

        var noGrant = await RunAsync("keys", "shred", "--installation", victim, "--confirm");
        var grant = await RunAsync("grants", "request", "--installation", victim, "--reason", "Customer asked us to destroy their keys", "--ticket", "SUP-9", "--scope", "Purge");
        var shred = await RunAsync("keys", "shred", "--installation", victim, "--grant", grant.Output.Split(' ', ':')[1], "--confirm");

        Assert.Equal(2, noGrant.ExitCode); // shredding changes tenant data: it needs a purge grant
        Assert.True(shred.ExitCode == 0, shred.Error);
        Assert.Contains("can no longer be read", shred.Output, StringComparison.Ordinal);
        var after = await ReadAllAsync(before.Keys);
        Assert.All(before.Where(v => v.Key.StartsWith(victim + "|", StringComparison.Ordinal)), v => Assert.Null(after[v.Key]));
        Assert.All(before.Where(v => !v.Key.StartsWith(victim + "|", StringComparison.Ordinal)), v => Assert.Equal(v.Value, after[v.Key]));
    }

    [Fact]
    public async Task AnyKeysCommand_WithALostKeyring_RefusesNamingTheMissingKek()
    {
        await Support.OpsProcess.BootstrapAsync(_workDir);
        await SeedAsync(installations: 2, sessionsEach: 1);
        var kek = (string)(await ScalarAsync("SELECT DISTINCT kek_id FROM installation_keys"))!;
        File.Delete(Path.Combine(_workDir, ".estimo", "keys", "keyring.json"));

        var result = await RunAsync("keys", "rewrap");

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.Contains($"lacks KEK(s) that wrap data keys in the database: {kek} (2 data key(s))", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("keys", "shred", "--installation", "x", "--grant", "g")]
    [InlineData("keys", "rotate-dek")]
    [InlineData("keys", "rotate-dek", "--all", "--installation", "x")]
    [InlineData("keys", "rewrap", "--batch-size", "0")]
    public async Task BadUsage_IsOneLineWithExitCode2(params string[] args)
    {
        var result = await RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    /// <summary>Installations with a system token and sessions with votes; returns value key → plaintext.</summary>
    private async Task<Dictionary<string, string?>> SeedAsync(int installations, int sessionsEach)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        await using var services = Services();
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < installations; i++)
        {
            var installation = $"ari:cloud:ecosystem::installation/{Guid.NewGuid()}";
            await services.GetRequiredService<IInstallationStore>().RecordInstalledAsync(
                new InstallationRegistration(installation, Guid.NewGuid().ToString(), new Uri("https://acme.atlassian.net"), new Uri("https://api.atlassian.com/ex/jira/x"), "1.0.0", "PRODUCTION", now),
                Ct);
            var token = $"forge-system-token-{Guid.NewGuid():N}";
            await services.GetRequiredService<ISystemTokenCache>().StoreAsync(installation, token, now.AddDays(1), Ct);
            values[$"{installation}|token"] = token;
            for (var s = 0; s < sessionsEach; s++)
            {
                var created = PokerSession.Create(
                    new NewPokerSession
                    {
                        SessionId = Guid.NewGuid().ToString("N"),
                        InstallationId = installation,
                        FacilitatorAccountId = "facilitator",
                        Deck = BuiltInDecks.Fibonacci,
                        Issues = [new PokerIssue("10001", "EST-1")],
                    },
                    now);
                var session = created.Value!;
                var voter = $"voter-{Guid.NewGuid():N}";
                session.Join(voter, ParticipantRole.Voter, now);
                session.CastVote(voter, "10001", "5", now);
                await services.GetRequiredService<IPokerSessionStore>().AddAsync(new StoredPokerSession(new SessionScope("EST", 1, "customfield_10016", SessionSourceKind.Backlog, null), session), Ct);
                values[$"{installation}|{session.Id}"] = Describe(session);
            }
        }

        return values;
    }

    /// <summary>Every value read back through the stores; null where it could not be read.</summary>
    private async Task<Dictionary<string, string?>> ReadAllAsync(IEnumerable<string> keys)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        await using var services = Services();
        foreach (var key in keys)
        {
            var (installation, item) = (key.Split('|')[0], key.Split('|')[1]);
            if (item == "token")
            {
                values[key] = await services.GetRequiredService<ISystemTokenCache>().FindValidAsync(installation, Ct);
                continue;
            }

            try
            {
                var stored = await services.GetRequiredService<IPokerSessionStore>().FindAsync(installation, item, Ct);
                values[key] = stored is null ? null : Describe(stored.Session);
            }
            catch (Estimo.Core.Security.SecretUnprotectException)
            {
                values[key] = null;
            }
        }

        return values;
    }

    private static string Describe(PokerSession session)
    {
        var snapshot = session.ToSnapshot();
        return string.Join(";", snapshot.Issues.SelectMany(i => i.Rounds.SelectMany(r => r.Votes.Select(v => $"{i.IssueId}:{v.AccountId}={v.Label}"))));
    }

    private ServiceProvider Services()
    {
        var services = new ServiceCollection();
        services.AddEstimoStorage(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = Path.Combine(_workDir, ".estimo", "data"),
        }).Build());
        return services.BuildServiceProvider();
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabaseFile};Pooling=false");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(Ct);
    }

    private ProcessStartInfo StartInfo(string[] args) => Support.OpsProcess.StartInfo(_workDir, null, args);

    /// <summary>Runs until a line containing <paramref name="marker"/> appears, then kills the process; true if it was killed.</summary>
    private async Task<bool> RunUntilAsync(string marker, params string[] args)
    {
        using var process = Process.Start(StartInfo(args))!;
        _ = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Contains(marker, StringComparison.Ordinal))
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(timeout.Token);
                return true;
            }
        }

        await process.WaitForExitAsync(timeout.Token);
        return false;
    }

    private Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => Support.OpsProcess.RunAsync(_workDir, null, args);
}
