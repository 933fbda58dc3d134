namespace Estimo.Ops.Tests;

/// <summary>estimo-ops as an operator runs it: a real process, real files, real exit codes.</summary>
public sealed class MigrateCommandTests : IDisposable
{
    private readonly string _workDir = Path.Combine(Path.GetTempPath(), "estimo-ops-tests", Guid.NewGuid().ToString("N"));

    public MigrateCommandTests() => Directory.CreateDirectory(_workDir);

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    [Fact]
    public async Task Status_ThenMigrate_ThenMigrateAgain_ReportsPendingThenNothing()
    {
        var before = await RunAsync("migrations", "status");
        var migrate = await RunAsync("migrate");
        var again = await RunAsync("migrate");
        var after = await RunAsync("migrations", "status");

        Assert.Equal(0, before.ExitCode);
        Assert.Contains($"pending: {MigrationCount}", before.Output, StringComparison.Ordinal);
        Assert.Equal(0, migrate.ExitCode);
        Assert.Contains($"Applied {MigrationCount} migration(s)", migrate.Output, StringComparison.Ordinal);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("up to date", again.Output, StringComparison.Ordinal);
        Assert.Contains("pending: 0", after.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_workDir, ".estimo", "data", "estimo.db")));
    }

    /// <summary>How many SQLite migrations this build carries (not a fixed number: migrations get added and squashed).</summary>
    private static int MigrationCount => typeof(Estimo.Storage.SqliteEstimoDbContext).Assembly.GetTypes()
        .Count(t => t.Namespace == "Estimo.Storage.Migrations.Sqlite" && t.GetCustomAttributes(typeof(Microsoft.EntityFrameworkCore.Migrations.MigrationAttribute), false).Length > 0);

    [Fact]
    public async Task UnknownCommand_IsOneLineOnStandardError_WithExitCode2()
    {
        var result = await RunAsync("migrat");

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.StartsWith("estimo-ops: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidSettings_AreOneLineWithTheSettingName_WithExitCode1()
    {
        var result = await RunAsync("migrate", "--set", "Storage:Provider=PostgreSql");

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.Contains("Storage:ConnectionString", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableDatabase_IsOneLineWithoutAStackTrace_WithExitCode1()
    {
        var result = await RunAsync("migrate", "--set", "Storage:Provider=PostgreSql", "--set", "Storage:ConnectionString=Host=127.0.0.1;Port=1;Username=nobody;Timeout=2");

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    private Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => Support.OpsProcess.RunAsync(_workDir, null, args);
}
