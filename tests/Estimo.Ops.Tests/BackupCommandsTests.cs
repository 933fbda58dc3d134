using System.Diagnostics;
using System.Text.RegularExpressions;
using Estimo.Core.Installations;
using Estimo.Core.Poker;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Ops.Tests;

/// <summary>
/// <c>estimo-ops backup …</c> and <c>estimo-ops restore</c> as an operator runs them: real
/// processes on a seeded SQLite database, real files, exit codes and one-line errors.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class BackupCommandsTests : IDisposable
{
    private readonly string _workDir = Path.Combine(Path.GetTempPath(), "estimo-ops-tests", Guid.NewGuid().ToString("N"));

    public BackupCommandsTests() => Directory.CreateDirectory(_workDir);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string DataDirectory => Path.Combine(_workDir, ".estimo", "data");

    private string BackupDirectory => Path.Combine(_workDir, ".estimo", "backups");

    [GeneratedRegex("estimo-[0-9]{8}T[0-9]{6}Z-[a-z0-9]+")]
    private static partial Regex BackupId();

    [Fact]
    public async Task Run_List_Verify_Drill_ThenRestoreAfterLosingTheDatabase_BringsEverythingBack()
    {
        await Support.OpsProcess.BootstrapAsync(_workDir);
        var before = await SeedAsync(installations: 3, sessionsEach: 4);

        var run = await RunAsync("backup", "run");
        var id = BackupId().Match(run.Output).Value;
        var list = await RunAsync("backup", "list");
        var verify = await RunAsync("backup", "verify", id);
        var drill = await RunAsync("backup", "drill", id);
        var refused = await RunAsync("restore", id);
        var dryRun = await RunAsync("restore", id, "--dry-run");
        DeleteDatabase();
        var restore = await RunAsync("restore", id);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("escrowed", run.Output, StringComparison.Ordinal);
        Assert.Contains(id, list.Output, StringComparison.Ordinal);
        Assert.Equal(0, verify.ExitCode);
        Assert.Contains("is intact", verify.Output, StringComparison.Ordinal);
        Assert.Equal(0, drill.ExitCode);
        Assert.Contains("15 sealed value(s) opened", drill.Output, StringComparison.Ordinal);
        Assert.Equal(1, refused.ExitCode);
        Assert.Single(refused.Error.Trim().Split('\n'));
        Assert.Contains("--force-non-empty", refused.Error, StringComparison.Ordinal);
        Assert.Equal(0, dryRun.ExitCode);
        Assert.Contains("Dry run", dryRun.Output, StringComparison.Ordinal);
        Assert.Equal(0, restore.ExitCode);
        Assert.Matches(@"poker_sessions\s+12\s+12\s+0", restore.Output);
        Assert.Equal(before, await ReadAllAsync(before.Keys));
        Assert.Equal(Environment.UserName, await ScalarAsync("SELECT actor FROM audit_events WHERE action = 'backup.restored'"));
        // The restored audit chain is the backup's, and the restore's own record extends it.
        var audit = await RunAsync("audit", "verify");
        Assert.True(audit.ExitCode == 0, audit.Error);
        var mode = File.GetUnixFileMode(Path.Combine(BackupDirectory, id + ".estimo-backup"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(BackupDirectory));
    }

    [Fact]
    public async Task TwoRestoresAtOnce_OneRestores_TheOtherIsRefusedInOneLine()
    {
        await Support.OpsProcess.BootstrapAsync(_workDir);
        await SeedAsync(installations: 20, sessionsEach: 25);
        var id = BackupId().Match((await RunAsync("backup", "run")).Output).Value;
        DeleteDatabase();

        var both = await Task.WhenAll(RunAsync("restore", id), RunAsync("restore", id));

        Assert.Single(both, r => r.ExitCode == 0);
        var loser = Assert.Single(both, r => r.ExitCode == 1);
        Assert.Single(loser.Error.Trim().Split('\n'));
        Assert.Matches("another restore is running|database is not empty", loser.Error);
        Assert.Equal(500L, await ScalarAsync("SELECT COUNT(*) FROM poker_sessions"));
    }

    [Fact]
    public async Task ACorruptedBackup_IsOneLine_ExitCode1_AndNothingIsWritten()
    {
        await Support.OpsProcess.BootstrapAsync(_workDir);
        await SeedAsync(installations: 1, sessionsEach: 2);
        var id = BackupId().Match((await RunAsync("backup", "run")).Output).Value;
        var file = Path.Combine(BackupDirectory, id + ".estimo-backup");
        var bytes = await File.ReadAllBytesAsync(file, Ct);
        await File.WriteAllBytesAsync(file, bytes[..^30], Ct); // truncated
        var drill = await RunAsync("backup", "drill", id);
        var drillRecorded = await ScalarAsync("SELECT details FROM audit_events WHERE action = 'backup.drill'");
        DeleteDatabase();

        var verify = await RunAsync("backup", "verify", id);
        var restore = await RunAsync("restore", id);

        foreach (var result in new[] { verify, restore, drill })
        {
            Assert.Equal(1, result.ExitCode);
            Assert.True(result.Error.Trim().Split('\n').Length == 1, result.Error);
            Assert.StartsWith("estimo-ops: ", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        }

        Assert.Contains("truncated", verify.Error, StringComparison.Ordinal);
        Assert.Contains("FAILED", drill.Error, StringComparison.Ordinal);
        Assert.Contains("truncated", drill.Error, StringComparison.Ordinal);
        Assert.Contains("\"outcome\":\"failure\"", (string)drillRecorded!, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(DataDirectory, "estimo.db")) && await ScalarAsync("SELECT COUNT(*) FROM sqlite_master WHERE name = 'installations'") is 1L
            && await ScalarAsync("SELECT COUNT(*) FROM installations") is > 0L);
    }

    [Theory]
    [InlineData("no-such-backup", "is not a backup id")]
    [InlineData("estimo-20260101T030000Z", "does not exist")]
    public async Task Restore_OfAnUnknownBackup_IsOneLine_ExitCode1(string id, string message)
    {
        var result = await RunAsync("restore", id);

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restore_WithoutAnId_IsAUsageError_ExitCode2()
    {
        var result = await RunAsync("restore");

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task AnS3TargetWithoutItsSettings_IsOneLineNamingThem_ExitCode1()
    {
        var result = await RunAsync("backup", "list", "--set", "Backups:Target=S3", "--set", "Backups:S3:Region=us-east-1");

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.Contains("Backups:S3:Bucket", result.Error, StringComparison.Ordinal);
        Assert.Contains("Backups:S3:Region", result.Error, StringComparison.Ordinal); // us-east-1 is outside the allowed regions
    }

    private void DeleteDatabase()
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.EnumerateFiles(DataDirectory, "estimo.db*"))
        {
            File.Delete(file);
        }
    }

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
                session.Join("voter", ParticipantRole.Voter, now);
                session.CastVote("voter", "10001", "5", now);
                await services.GetRequiredService<IPokerSessionStore>().AddAsync(new StoredPokerSession(new SessionScope("EST", 1, "customfield_10016", SessionSourceKind.Backlog, null), session), Ct);
                values[$"{installation}|{session.Id}"] = "5";
            }
        }

        return values;
    }

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

            var stored = await services.GetRequiredService<IPokerSessionStore>().FindAsync(installation, item, Ct);
            values[key] = stored?.Session.ToSnapshot().Issues[0].Rounds[0].Votes.Single().Label;
        }

        return values;
    }

    private ServiceProvider Services()
    {
        var services = new ServiceCollection();
        services.AddEstimoStorage(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = DataDirectory,
        }).Build());
        return services.BuildServiceProvider();
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(DataDirectory, "estimo.db")};Pooling=false");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(Ct);
    }

    private Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => Support.OpsProcess.RunAsync(_workDir, null, args);
}
