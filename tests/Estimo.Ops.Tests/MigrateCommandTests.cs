using System.Diagnostics;

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

        // However many migrations this build has (merges add some): all pending, then all applied.
        Assert.Equal(0, before.ExitCode);
        var pending = System.Text.RegularExpressions.Regex.Match(before.Output, @"applied: 0  pending: (\d+)");
        Assert.True(pending.Success, before.Output);
        Assert.True(int.Parse(pending.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1, before.Output);
        Assert.Equal(0, migrate.ExitCode);
        Assert.Contains($"Applied {pending.Groups[1].Value} migration(s)", migrate.Output, StringComparison.Ordinal);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("up to date", again.Output, StringComparison.Ordinal);
        Assert.Contains("pending: 0", after.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_workDir, ".estimo", "data", "estimo.db")));
    }

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

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "estimo-ops.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var ct = TestContext.Current.CancellationToken;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
