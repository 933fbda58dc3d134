using System.Diagnostics;
using Estimo.Core.Installations;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Ops.Tests;

/// <summary>
/// <c>estimo-ops purge installation</c> and <c>estimo-ops personal-data report</c> as an operator
/// runs them: a real process on a seeded SQLite database.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PurgeCommandsTests : IDisposable
{
    private readonly string _workDir = Path.Combine(Path.GetTempPath(), "estimo-ops-tests", Guid.NewGuid().ToString("N"));

    public PurgeCommandsTests() => Directory.CreateDirectory(_workDir);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string DatabaseFile => Path.Combine(_workDir, ".estimo", "data", "estimo.db");

    [Fact]
    public async Task PurgeInstallation_DeletesItsRows_LeavesTheOthers_AuditsTheOperatorAndReason_AndARerunIsHarmless()
    {
        Assert.Equal(0, (await RunAsync("migrate")).ExitCode);
        var purged = await SeedAsync();
        var kept = await SeedAsync();

        var first = await RunAsync("purge", "installation", purged, "--reason", "customer request, ticket 42");
        var again = await RunAsync("purge", "installation", purged, "--reason", "rerun");

        Assert.Equal(0, first.ExitCode);
        Assert.Contains($"Purged installation {purged}: 0 session(s), 0 account id(s), 1 system token(s)", first.Output, StringComparison.Ordinal);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("was already purged", again.Output, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync($"SELECT COUNT(*) FROM installations WHERE id = '{purged}'"));
        Assert.Equal(0L, await ScalarAsync($"SELECT COUNT(*) FROM system_tokens WHERE installation_id = '{purged}'"));
        Assert.Equal(0L, await ScalarAsync($"SELECT COUNT(*) FROM installation_keys WHERE installation_id = '{purged}'"));
        Assert.Equal(1L, await ScalarAsync($"SELECT COUNT(*) FROM installations WHERE id = '{kept}'"));
        Assert.Equal(1L, await ScalarAsync($"SELECT COUNT(*) FROM system_tokens WHERE installation_id = '{kept}'"));
        Assert.Equal("operator", await ScalarAsync($"SELECT reason FROM installation_purges WHERE installation_id = '{purged}'"));
        Assert.Equal(Environment.UserName, await ScalarAsync($"SELECT actor FROM audit_events WHERE action = 'installation.purged' AND subject = '{purged}'"));
        Assert.Contains("ticket 42", (string)(await ScalarAsync($"SELECT details FROM audit_events WHERE action = 'installation.purged' AND subject = '{purged}'"))!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PurgeInstallation_Unknown_IsOneLineAndExit1_WithoutAReason_IsUsageExit2()
    {
        Assert.Equal(0, (await RunAsync("migrate")).ExitCode);

        var unknown = await RunAsync("purge", "installation", "ari:cloud:ecosystem::installation/nope", "--reason", "test");
        var noReason = await RunAsync("purge", "installation", "ari:cloud:ecosystem::installation/nope");

        Assert.Equal(1, unknown.ExitCode);
        Assert.Equal("estimo-ops: No installation 'ari:cloud:ecosystem::installation/nope' (and none by that id was ever purged).", unknown.Error.Trim());
        Assert.Equal(2, noReason.ExitCode);
        Assert.Single(noReason.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task PersonalDataReport_WhenAtlassianCannotBeReached_SaysSoAndExits1()
    {
        Assert.Equal(0, (await RunAsync("migrate")).ExitCode);
        await SeedAsync(apiBaseUrl: "http://127.0.0.1:9/ex/jira/x");
        await SeedStoredAccountAsync();

        var report = await RunAsync("personal-data", "report");

        Assert.Equal(1, report.ExitCode);
        Assert.Contains(": unavailable;", report.Output, StringComparison.Ordinal);
        Assert.Contains("some reports failed", report.Error, StringComparison.Ordinal);
    }

    private async Task<string> SeedAsync(string apiBaseUrl = "https://api.atlassian.com/ex/jira/x")
    {
        await using var services = Services();
        var installation = $"ari:cloud:ecosystem::installation/{Guid.NewGuid()}";
        await services.GetRequiredService<IInstallationStore>().RecordInstalledAsync(
            new InstallationRegistration(installation, Guid.NewGuid().ToString(), new Uri("https://acme.atlassian.net"), new Uri(apiBaseUrl), "1.0.0", "PRODUCTION", DateTimeOffset.UtcNow),
            Ct);
        await services.GetRequiredService<ISystemTokenCache>().StoreAsync(installation, $"forge-system-token-{Guid.NewGuid():N}", DateTimeOffset.UtcNow.AddHours(1), Ct);
        return installation;
    }

    private async Task SeedStoredAccountAsync()
    {
        var installation = (string)(await ScalarAsync("SELECT id FROM installations LIMIT 1"))!;
        await using var connection = new SqliteConnection($"Data Source={DatabaseFile};Pooling=false");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO personal_data_accounts (installation_id, account_id, first_stored_at, last_stored_at) VALUES ($i, 'acc-1', $t, $t)";
        command.Parameters.AddWithValue("$i", installation);
        command.Parameters.AddWithValue("$t", DateTimeOffset.UtcNow.UtcTicks);
        await command.ExecuteNonQueryAsync(Ct);
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
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
