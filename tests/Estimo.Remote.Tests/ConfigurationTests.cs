using System.Diagnostics;

namespace Estimo.Remote.Tests;

/// <summary>The real process refuses a bad configuration, naming every bad setting at once.</summary>
public sealed class ConfigurationTests
{
    [Fact]
    public async Task InvalidSettings_AreAllReported_AndTheProcessExitsNonZero()
    {
        var root = Path.Combine(Path.GetTempPath(), "estimo-config-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var remoteDll = Path.Combine(AppContext.BaseDirectory, "Estimo.Remote.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "exec", remoteDll,
            "--Remote:Port=70000",
            "--Forge:AppId=not-an-app-id",
            "--Forge:JwksUrl=http://jwks.example.com/keys",
            "--Storage:Provider=PostgreSql",
            "--Logs:Console=false",
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderrTask = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdoutTask = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var stderr = await stderrTask;
        await stdoutTask;

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("Remote:Port", stderr, StringComparison.Ordinal);
        Assert.Contains("Forge:AppId", stderr, StringComparison.Ordinal);
        Assert.Contains("Forge:JwksUrl", stderr, StringComparison.Ordinal);
        Assert.Contains("Storage:ConnectionString", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }
}
