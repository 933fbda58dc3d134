using System.Net;
using System.Net.Sockets;

namespace Estimo.Simulator.Tests;

public sealed class StartupTests
{
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
