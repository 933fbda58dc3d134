using Estimo.Ops.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Estimo.Ops.Tests;

/// <summary>
/// <c>audit anchor --to-target</c> and <c>audit verify --anchors-from-target</c> through a real
/// <c>estimo-ops</c> process on a real SQLite database and the real local backup target
/// (<c>.estimo/backups/audit-anchors</c>).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AuditAnchorCommandsTests : IDisposable
{
    private readonly string _workDir = Path.Combine(Path.GetTempPath(), "estimo-ops-tests", Guid.NewGuid().ToString("N"));

    public AuditAnchorCommandsTests() => Directory.CreateDirectory(_workDir);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string AnchorDirectory => Path.Combine(_workDir, ".estimo", "backups", "audit-anchors");

    [Fact]
    public async Task ExportedAnchors_CatchATruncatedTail_AfterTheDatabasesAnchorRecordsAreDeletedToo()
    {
        await OpsProcess.BootstrapAsync(_workDir);
        var first = await RunAsync("audit", "anchor", "--to-target");
        Assert.Equal(0, (await RunAsync("operators", "list")).ExitCode);
        var second = await RunAsync("audit", "anchor", "--to-target");
        var intact = await RunAsync("audit", "verify", "--anchors-from-target");
        var firstAnchorRecord = (long)(await ScalarAsync("SELECT MIN(sequence) FROM audit_events WHERE action = 'audit.anchored'"))!;

        // Someone with database access cuts the log back to before the first anchor record:
        // every anchor record in the database goes with it.
        await ScalarAsync($"DELETE FROM audit_events WHERE sequence >= {firstAnchorRecord}");
        var databaseOnly = await RunAsync("audit", "verify");
        var withExports = await RunAsync("audit", "verify", "--anchors-from-target");

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Equal(2, Directory.GetFiles(AnchorDirectory, "*.json").Length);
        Assert.True(intact.ExitCode == 0, intact.Error);
        Assert.Contains($"(2 exported anchor(s) from local:{AnchorDirectory})", intact.Output, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync("SELECT COUNT(*) FROM audit_events WHERE action = 'audit.anchored'"));
        Assert.True(databaseOnly.ExitCode == 0, databaseOnly.Error); // the database alone cannot tell
        Assert.Equal(1, withExports.ExitCode);
        Assert.Contains("the audit chain is broken", withExports.Error, StringComparison.Ordinal);
        Assert.Contains("but an exported anchor covers sequence", withExports.Error, StringComparison.Ordinal);
        Assert.Contains("records were deleted from the end", withExports.Error, StringComparison.Ordinal);
        Assert.Single(withExports.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task ADamagedExportedAnchor_IsReportedByName()
    {
        await OpsProcess.BootstrapAsync(_workDir);
        Assert.Equal(0, (await RunAsync("audit", "anchor", "--to-target")).ExitCode);
        var file = Assert.Single(Directory.GetFiles(AnchorDirectory, "*.json"));
        await File.WriteAllTextAsync(file, "{\"sequence\":", Ct);

        var verify = await RunAsync("audit", "verify", "--anchors-from-target");

        Assert.Equal(1, verify.ExitCode);
        Assert.Equal($"estimo-ops: the exported anchor {Path.GetFileName(file)} in local:{AnchorDirectory} is not an anchor (damaged or edited).", verify.Error.Trim());
    }

    private Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => OpsProcess.RunAsync(_workDir, null, args);

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_workDir, ".estimo", "data", "estimo.db")};Pooling=false");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(Ct);
    }
}
