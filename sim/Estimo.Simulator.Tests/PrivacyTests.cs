using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Estimo.Simulator.Tests;

/// <summary>The personal data reporting API (POST /app/report-accounts/) and its /__sim controls.</summary>
public sealed class PrivacyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The app's manifest (which asks for report:personal-data), optionally without that scope.</summary>
    private static string Manifest(bool withReportScope)
    {
        var dir = Directory.CreateTempSubdirectory("estimo-manifest-").FullName;
        var text = File.ReadAllText(Path.Combine(Repo.Root, "forge", "manifest.yml"));
        Assert.Contains("    - report:personal-data\n", text, StringComparison.Ordinal);
        if (!withReportScope)
        {
            text = text.Replace("    - report:personal-data\n", string.Empty, StringComparison.Ordinal);
        }

        var path = Path.Combine(dir, "manifest.yml");
        File.WriteAllText(path, text);
        return path;
    }

    private static string ManifestWithReportScope() => Manifest(withReportScope: true);

    private static async Task<HttpResponseMessage> ReportAsync(RunningSimulator sim, string? token, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/app/report-accounts/") { Content = JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }
        return await sim.Http.SendAsync(request, Ct);
    }

    private static object Accounts(DateTimeOffset updatedAt, params string[] ids) =>
        new { accounts = ids.Select(id => new { accountId = id, updatedAt = updatedAt.ToString("O") }).ToArray() };

    [Fact]
    public async Task ReportAccounts_Answers204_UntilAnAccountIsClosedOrUpdated_ThenLists_ThemWithTheirStatus()
    {
        await using var sim = await RunningSimulator.StartAsync(new Dictionary<string, string?> { ["Simulator:ManifestPath"] = ManifestWithReportScope() });
        await sim.PostAdminAsync("/__sim/install");
        var system = await sim.TokenAsync(Users.Alice, "app-system");
        var storedAt = DateTimeOffset.UtcNow.AddMinutes(-5);

        using (var nothing = await ReportAsync(sim, system, Accounts(storedAt, Users.Bob, Users.Carol, Users.Dave)))
        {
            Assert.Equal(HttpStatusCode.NoContent, nothing.StatusCode);
        }

        (await sim.Http.PostAsJsonAsync($"/__sim/personal-data/{Users.Carol}", new { status = "closed" }, Ct)).EnsureSuccessStatusCode();
        (await sim.Http.PostAsJsonAsync($"/__sim/personal-data/{Users.Bob}", new { status = "updated" }, Ct)).EnsureSuccessStatusCode();

        using (var report = await ReportAsync(sim, system, Accounts(storedAt, Users.Bob, Users.Carol, Users.Dave)))
        {
            Assert.Equal(HttpStatusCode.OK, report.StatusCode);
            var accounts = (await report.Content.ReadFromJsonAsync<JsonObject>(Ct))!["accounts"]!.AsArray();
            Assert.Equal(2, accounts.Count);
            Assert.Contains(accounts, a => a!["accountId"]!.GetValue<string>() == Users.Carol && a["status"]!.GetValue<string>() == "closed");
            Assert.Contains(accounts, a => a!["accountId"]!.GetValue<string>() == Users.Bob && a["status"]!.GetValue<string>() == "updated");
        }

        // Data refreshed after the profile change is current: only the closed account is left.
        using (var later = await ReportAsync(sim, system, Accounts(DateTimeOffset.UtcNow.AddMinutes(1), Users.Bob, Users.Carol)))
        {
            var accounts = (await later.Content.ReadFromJsonAsync<JsonObject>(Ct))!["accounts"]!.AsArray();
            var only = Assert.Single(accounts);
            Assert.Equal(Users.Carol, only!["accountId"]!.GetValue<string>());
        }

        // A reset forgets the closures and updates.
        await sim.PostAdminAsync("/__sim/reset");
        using (var afterReset = await ReportAsync(sim, system, Accounts(storedAt, Users.Bob, Users.Carol)))
        {
            Assert.Equal(HttpStatusCode.NoContent, afterReset.StatusCode);
        }
    }

    [Fact]
    public async Task ReportAccounts_TakesOnlyALiveAppSystemToken_AndAtMost90Accounts()
    {
        await using var sim = await RunningSimulator.StartAsync(new Dictionary<string, string?> { ["Simulator:ManifestPath"] = ManifestWithReportScope() });
        await sim.PostAdminAsync("/__sim/install");
        var system = await sim.TokenAsync(Users.Alice, "app-system");
        var body = Accounts(DateTimeOffset.UtcNow, Users.Bob);

        Assert.Equal(HttpStatusCode.Unauthorized, (await ReportAsync(sim, null, body)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ReportAsync(sim, "not-a-token", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ReportAsync(sim, await sim.TokenAsync(Users.Bob, "app-user"), body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ReportAsync(sim, await sim.TokenAsync(Users.Bob), body)).StatusCode);

        var tooMany = Accounts(DateTimeOffset.UtcNow, Enumerable.Range(0, 91).Select(i => $"account-{i}").ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await ReportAsync(sim, system, tooMany)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ReportAsync(sim, system, new { accounts = new[] { new { accountId = Users.Bob } } })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ReportAsync(sim, system, body)).StatusCode);

        await sim.PostAdminAsync("/__sim/uninstall");
        Assert.Equal(HttpStatusCode.Unauthorized, (await ReportAsync(sim, system, body)).StatusCode);
    }

    [Fact]
    public async Task ReportAccounts_WithoutTheScopeInTheManifest_Is401()
    {
        await using var sim = await RunningSimulator.StartAsync(new Dictionary<string, string?> { ["Simulator:ManifestPath"] = Manifest(withReportScope: false) });
        await sim.PostAdminAsync("/__sim/install");
        using var response = await ReportAsync(sim, await sim.TokenAsync(Users.Alice, "app-system"), Accounts(DateTimeOffset.UtcNow, Users.Bob));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("report:personal-data", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }
}
