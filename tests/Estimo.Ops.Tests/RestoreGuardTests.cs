using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Estimo.Ops.Tests;

/// <summary>
/// <c>estimo-ops restore</c> against a database a real <c>Estimo.Remote</c> process is running
/// on: refused in one line while the remote runs (a dry run is not), allowed once it stopped.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class RestoreGuardTests : IDisposable
{
    private readonly string _workDir = Path.Combine(Path.GetTempPath(), "estimo-ops-tests", Guid.NewGuid().ToString("N"));

    public RestoreGuardTests() => Directory.CreateDirectory(_workDir);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex("estimo-[0-9]{8}T[0-9]{6}Z-[a-z0-9]+")]
    private static partial Regex BackupId();

    [Fact]
    public async Task Restore_WhileTheRemoteRuns_IsRefusedInOneLine_AndAudited_ThenAllowedAfterItStops()
    {
        await Support.OpsProcess.BootstrapAsync(_workDir);
        var backup = await Support.OpsProcess.RunAsync(_workDir, null, "backup", "run");
        Assert.True(backup.ExitCode == 0, backup.Error);
        var id = BackupId().Match(backup.Output).Value;

        var output = new StringBuilder();
        using var remote = StartRemote(output);
        try
        {
            await WaitUntilLiveAsync(remote, output);

            var refused = await Support.OpsProcess.RunAsync(_workDir, null, "restore", id, "--force-non-empty");
            var dryRun = await Support.OpsProcess.RunAsync(_workDir, null, "restore", id, "--dry-run");

            Assert.Equal(1, refused.ExitCode);
            Assert.Single(refused.Error.Trim().Split('\n'));
            Assert.StartsWith("estimo-ops: a remote is running against this database (", refused.Error, StringComparison.Ordinal);
            Assert.Contains("stop it before restoring", refused.Error, StringComparison.Ordinal);
            Assert.Equal(1L, await ScalarAsync("SELECT COUNT(*) FROM audit_events WHERE action = 'backup.restore.refused'"));
            Assert.Equal(0L, await ScalarAsync("SELECT COUNT(*) FROM audit_events WHERE action = 'backup.restored'"));
            Assert.True(dryRun.ExitCode == 0, dryRun.Error);
            Assert.False(remote.HasExited, output.ToString());
        }
        finally
        {
            await StopAsync(remote);
        }

        var allowed = await Support.OpsProcess.RunAsync(_workDir, null, "restore", id, "--force-non-empty");
        Assert.True(allowed.ExitCode == 0, allowed.Error);
        Assert.Equal(1L, await ScalarAsync("SELECT COUNT(*) FROM audit_events WHERE action = 'backup.restored'"));
    }

    [Fact]
    public async Task TheRemote_StartingWhileARestoreHoldsTheDatabase_ExitsWith3_InOneLine()
    {
        await Support.OpsProcess.BootstrapAsync(_workDir);

        // What a running restore holds: the in-use lock file, exclusively (flock LOCK_EX).
        var lockFile = Path.Combine(_workDir, ".estimo", "data", "estimo.db.inuse");
        var output = new StringBuilder();
        await using (new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            using var remote = StartRemote(output);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            await remote.WaitForExitAsync(timeout.Token);
            remote.WaitForExit(); // drains the redirected output

            // Standard error is one line for the operator (the ECS log on standard output has the detail).
            var stderr = output.ToString().Split('\n').Where(l => l.StartsWith(StderrPrefix, StringComparison.Ordinal)).ToList();
            Assert.Equal(3, remote.ExitCode);
            var line = Assert.Single(stderr);
            Assert.StartsWith(StderrPrefix + "Estimo cannot start: a restore is running against this database", line, StringComparison.Ordinal);
        }
    }

    /// <summary>The built remote, in the same working directory (same data directory and keyring as the CLI).</summary>
    private Process StartRemote(StringBuilder output)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("DOTNET_URLS");
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(RemoteDll());
        foreach (var arg in new[]
        {
            $"--Remote:Port={FreePort()}",
            $"--Remote:SelfSignedCertificatePath={Path.Combine(_workDir, "tls", "remote.pfx")}",
            "--Forge:AppId=6f1d2c8e-4b7a-4f3e-9a51-2d8c0e7b9f14",
            $"--Forge:JwksUrl=http://127.0.0.1:{FreePort()}/.well-known/jwks.json",
            "--Monitoring:ManagementPort=0",
        })
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data is null ? null : StderrPrefix + e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private const string StderrPrefix = "stderr: ";

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static async Task WaitUntilLiveAsync(Process remote, StringBuilder output)
    {
        var port = remote.StartInfo.ArgumentList.Single(a => a.StartsWith("--Remote:Port=", StringComparison.Ordinal)).Split('=')[1];
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.False(remote.HasExited, $"the remote exited with {(remote.HasExited ? remote.ExitCode : 0)}:\n{output}");
            try
            {
                using var response = await client.GetAsync(new Uri($"https://127.0.0.1:{port}/health/live"), Ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!Ct.IsCancellationRequested)
            {
            }

            await Task.Delay(200, Ct);
        }

        Assert.Fail($"the remote did not answer /health/live in 60 s:\n{output}");
    }

    /// <summary>SIGTERM, as a container stop does; the remote shuts down and releases the lock.</summary>
    private static async Task StopAsync(Process remote)
    {
        if (remote.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", remote.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(CancellationToken.None);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await remote.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            remote.Kill(entireProcessTree: true);
            throw;
        }
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_workDir, ".estimo", "data", "estimo.db")};Pooling=false");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(Ct);
    }

    private static string RemoteDll()
    {
        // This assembly is in tests/Estimo.Ops.Tests/bin/<Configuration>/net10.0/.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = output.Parent!.Name;
        var root = output;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Estimo.slnx")))
        {
            root = root.Parent;
        }

        var dll = Path.Combine(root?.FullName ?? throw new InvalidOperationException("No Estimo.slnx above " + AppContext.BaseDirectory), "src", "Estimo.Remote", "bin", configuration, "net10.0", "Estimo.Remote.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: build the solution in {configuration} first.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
