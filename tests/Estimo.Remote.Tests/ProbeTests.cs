using System.Diagnostics;
using Estimo.Remote.Tests.Support;

namespace Estimo.Remote.Tests;

/// <summary>The container health check: `Estimo.Remote probe` over loopback HTTPS.</summary>
public sealed class ProbeTests
{
    [Fact]
    public async Task Probe_OfALiveRemote_ExitsZero_AndOfNoRemote_ExitsOne()
    {
        using var minter = new FitMinter();
        await using var jwks = await JwksServer.StartAsync(minter.JwksJson());
        await using var host = await RemoteHost.StartAsync(jwks.JwksUrl);
        var certificate = Path.Combine(host.Root, "tls", "remote.pfx");

        var live = await ProbeAsync($"--Remote:Port={host.BaseAddress.Port}", $"--Remote:SelfSignedCertificatePath={certificate}");
        var dead = await ProbeAsync("--Remote:Port=1", $"--Remote:SelfSignedCertificatePath={certificate}");

        Assert.Equal(0, live.ExitCode);
        Assert.Equal(1, dead.ExitCode);
        Assert.StartsWith("probe: ", dead.Error, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Error)> ProbeAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Estimo.Remote.dll"));
        start.ArgumentList.Add("probe");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        _ = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await error);
    }
}
