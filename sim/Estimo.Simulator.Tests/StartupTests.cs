using System.Net;
using System.Net.Sockets;

namespace Estimo.Simulator.Tests;

public sealed class StartupTests
{
    [Fact]
    public async Task MissingManifest_DisablesOnlyTheForgeHalf_WithAReadableReason()
    {
        await using var sim = await RunningSimulator.StartAsync(new Dictionary<string, string?> { ["Simulator:ManifestPath"] = "/nonexistent/manifest.yml" });
        using var page = await sim.Http.GetAsync("/jira/software/projects/EST/apps/estimo-project-page", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
        Assert.Contains("/nonexistent/manifest.yml", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);

        using var bob = await sim.AsUserAsync(Users.Bob);
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync("/rest/api/3/myself", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task PortAlreadyTaken_PrintsOneClearLine_AndExitsNonZero()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var dll = Path.Combine(AppContext.BaseDirectory, "Estimo.Simulator.dll");

        var result = await Tool.RunAsync("dotnet", [dll, $"--Simulator:ListenUrl=http://127.0.0.1:{port}"], AppContext.BaseDirectory, TimeSpan.FromMinutes(1));

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.Contains("already in use", line, StringComparison.Ordinal);
    }
}
