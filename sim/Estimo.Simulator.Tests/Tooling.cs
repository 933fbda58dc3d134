using System.Collections.Concurrent;
using System.Diagnostics;

namespace Estimo.Simulator.Tests;

public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr)
{
    public string Output => StdOut + StdErr;
}

/// <summary>Runs external tools (node, npm, the simulator itself) with a timeout.</summary>
public static class Tool
{
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> args, string workingDirectory, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish within {timeout}.");
        }
        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>
/// The npm folders the tests use (sim/manifest-lint, sim/fixtures/bridge-probe). Each has a
/// committed package-lock.json; when node_modules is missing the tests run
/// <c>npm ci --ignore-scripts</c> there (the registry must be reachable, as in CI). Scripts are
/// skipped because @forge packages pull in a native keychain module the tests do not need;
/// esbuild still works because its binary comes as a platform package, not from a script.
/// </summary>
public static class NpmFolder
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Locks = new(StringComparer.Ordinal);

    public static async Task EnsureInstalledAsync(string folder)
    {
        var gate = Locks.GetOrAdd(folder, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            if (Directory.Exists(Path.Combine(folder, "node_modules")))
            {
                return;
            }
            var result = await Tool.RunAsync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], folder, TimeSpan.FromMinutes(5));
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm ci failed in {folder}:\n{result.Output}");
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Builds the bridge probe bundle from the real @forge/bridge with esbuild.</summary>
    public static async Task<string> BuildBridgeProbeAsync()
    {
        var folder = Path.Combine(Repo.Root, "sim", "fixtures", "bridge-probe");
        await EnsureInstalledAsync(folder);
        var gate = Locks.GetOrAdd(folder, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            var result = await Tool.RunAsync("npm", ["run", "build"], folder, TimeSpan.FromMinutes(2));
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"Building the bridge probe failed:\n{result.Output}");
            }
        }
        finally
        {
            gate.Release();
        }
        return Path.Combine(folder, "dist");
    }
}
