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
    public async Task PurgeInstallation_UnderAPurgeGrant_DeletesItsRows_LeavesTheOthers_AuditsTheOperatorAndGrant_AndARerunIsHarmless()
    {
        await Support.OpsProcess.BootstrapAsync(_workDir);
        var purged = await SeedAsync();
        var kept = await SeedAsync();
        var grant = await GrantAsync(purged, "Purge");

        var first = await RunAsync("purge", "installation", "--installation", purged, "--grant", grant);
        var again = await RunAsync("purge", "installation", "--installation", purged, "--grant", await GrantAsync(purged, "Purge"));

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Contains($"Purged installation {purged}: 0 session(s), 0 account id(s), 1 system token(s)", first.Output, StringComparison.Ordinal);
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Contains("was already purged", again.Output, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync($"SELECT COUNT(*) FROM installations WHERE id = '{purged}'"));
        Assert.Equal(0L, await ScalarAsync($"SELECT COUNT(*) FROM system_tokens WHERE installation_id = '{purged}'"));
        Assert.Equal(0L, await ScalarAsync($"SELECT COUNT(*) FROM installation_keys WHERE installation_id = '{purged}'"));
        Assert.Equal(1L, await ScalarAsync($"SELECT COUNT(*) FROM installations WHERE id = '{kept}'"));
        Assert.Equal(1L, await ScalarAsync($"SELECT COUNT(*) FROM system_tokens WHERE installation_id = '{kept}'"));
        Assert.Equal("operator", await ScalarAsync($"SELECT reason FROM installation_purges WHERE installation_id = '{purged}'"));
        Assert.Equal(Environment.UserName, await ScalarAsync($"SELECT actor FROM audit_events WHERE action = 'installation.purged' AND subject = '{purged}'"));
        Assert.StartsWith("op-", (string)(await ScalarAsync($"SELECT operator_id FROM audit_events WHERE action = 'installation.purged' AND subject = '{purged}'"))!, StringComparison.Ordinal);
        Assert.Contains($"grant {grant}, ticket SUP-42", (string)(await ScalarAsync($"SELECT details FROM audit_events WHERE action = 'installation.purged' AND subject = '{purged}'"))!, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync("audit", "verify")).ExitCode);
    }

    [Fact]
    public async Task PurgeInstallation_WithoutAGrant_WithAReadGrant_OrForAnotherInstallation_IsRefusedAndNothingIsDeleted()
    {
        await Support.OpsProcess.BootstrapAsync(_workDir);
        var target = await SeedAsync();
        var other = await SeedAsync();
        var readGrant = await GrantAsync(target, "Read");
        var otherGrant = await GrantAsync(other, "Purge");

        var missing = await RunAsync("purge", "installation", "--installation", target);
        var read = await RunAsync("purge", "installation", "--installation", target, "--grant", readGrant);
        var wrong = await RunAsync("purge", "installation", "--installation", target, "--grant", otherGrant);
        var unknown = await RunAsync("grants", "request", "--installation", "ari:cloud:ecosystem::installation/nope", "--reason", "Customer asked us to delete", "--ticket", "SUP-1", "--scope", "Purge");

        Assert.Equal(2, missing.ExitCode);
        Assert.Single(missing.Error.Trim().Split('\n'));
        Assert.All(new[] { read, wrong, unknown }, r =>
        {
            Assert.Equal(1, r.ExitCode);
            Assert.Single(r.Error.Trim().Split('\n'));
        });
        Assert.Contains("no such installation", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(1L, await ScalarAsync($"SELECT COUNT(*) FROM installations WHERE id = '{target}'"));
        Assert.Equal(0L, await ScalarAsync("SELECT COUNT(*) FROM installation_purges"));
    }

    [Fact]
    public async Task PersonalDataReport_WhenAtlassianCannotBeReached_SaysSoAndExits1()
    {
        await Support.OpsProcess.BootstrapAsync(_workDir);
        await SeedAsync(apiBaseUrl: "http://127.0.0.1:9/ex/jira/x");
        await SeedStoredAccountAsync();

        var report = await RunAsync("personal-data", "report");

        Assert.Equal(1, report.ExitCode);
        Assert.Contains(": unavailable;", report.Output, StringComparison.Ordinal);
        Assert.Contains("some reports failed", report.Error, StringComparison.Ordinal);
    }

    /// <summary>Requests a grant as the test's operator and returns its id.</summary>
    private async Task<string> GrantAsync(string installation, string scope)
    {
        var grant = await RunAsync("grants", "request", "--installation", installation, "--reason", "Customer asked us to delete their data", "--ticket", "SUP-42", "--scope", scope);
        Assert.True(grant.ExitCode == 0, grant.Error);
        return grant.Output.Split(' ', ':')[1];
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

    private Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => Support.OpsProcess.RunAsync(_workDir, null, args);
}
