using System.Diagnostics;

namespace Estimo.Ops.Tests.Support;

/// <summary>Runs the built <c>estimo-ops</c> as a real process in a working directory, outside any SSH session unless told otherwise.</summary>
internal static class OpsProcess
{
    public static ProcessStartInfo StartInfo(string workDir, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("SSH_CONNECTION");
        start.Environment.Remove("SSH_CLIENT");
        start.Environment.Remove("SSH_USER_AUTH");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "estimo-ops.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string workDir, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var process = Process.Start(StartInfo(workDir, environment, args))!;
        var ct = TestContext.Current.CancellationToken;
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Migrates and registers the user running the tests as the first operator (a support engineer).</summary>
    public static async Task BootstrapAsync(string workDir)
    {
        var migrate = await RunAsync(workDir, null, "migrate");
        Assert.True(migrate.ExitCode == 0, migrate.Error);
        var add = await RunAsync(workDir, null, "operators", "add", "--os-user", Environment.UserName, "--name", "Test Operator", "--role", "SupportEngineer");
        Assert.True(add.ExitCode == 0, add.Error);
    }
}
