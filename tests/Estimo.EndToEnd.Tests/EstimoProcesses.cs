using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Estimo.EndToEnd.Tests;

/// <summary>
/// The simulator and the remote, started from their built dlls as real processes the way
/// scripts/demo.sh starts them, but on free loopback ports and with every file (data, key,
/// certificate, logs) in a temporary folder. The app is installed on the simulated site once
/// both are ready. Only the two processes started here are stopped at the end.
/// </summary>
public sealed class EstimoProcesses : IAsyncLifetime
{
    private const int MaxStartAttempts = 3;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly List<RunningProcess> _processes = [];
    private HttpClient? _sim;

    public string RepoRoot { get; } = FindRepoRoot();

    public string WorkDirectory { get; } = Directory.CreateTempSubdirectory("estimo-e2e-").FullName;

    /// <summary>The simulated Jira site, e.g. http://127.0.0.1:41234 (what the browser opens).</summary>
    public string SimUrl { get; private set; } = "";

    /// <summary>The remote's origin, e.g. https://127.0.0.1:41235 (what requestRemote calls).</summary>
    public string RemoteUrl { get; private set; } = "";

    public HttpClient Sim => _sim ?? throw new InvalidOperationException("The stack is not started.");

    public async ValueTask InitializeAsync()
    {
        var ui = Path.Combine(RepoRoot, "forge", "static", "estimo-ui", "index.html");
        if (!File.Exists(ui))
        {
            throw new InvalidOperationException(
                $"The Custom UI is not built: {ui} is missing. Run ./scripts/build-web.sh before the end-to-end tests.");
        }

        var simDll = BuiltDll("sim/Estimo.Simulator", "Estimo.Simulator.dll");
        var remoteDll = BuiltDll("src/Estimo.Remote", "Estimo.Remote.dll");
        var appId = ReadAppId(Path.Combine(RepoRoot, "forge", "manifest.yml"));

        // A free port can be taken by someone else between probing and binding: try again with new ones.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartAsync(simDll, remoteDll, appId, attempt);
                return;
            }
            catch (PortTakenException) when (attempt < MaxStartAttempts)
            {
                await StopProcessesAsync();
            }
        }
    }

    private async Task StartAsync(string simDll, string remoteDll, string appId, int attempt)
    {
        var simPort = FreePort();
        var remotePort = FreePort();
        while (remotePort == simPort)
        {
            remotePort = FreePort();
        }
        SimUrl = $"http://127.0.0.1:{simPort}";
        RemoteUrl = $"https://127.0.0.1:{remotePort}";
        var logs = Path.Combine(WorkDirectory, "logs");
        Directory.CreateDirectory(logs);

        // The simulator first: the remote loads its FIT signing keys from it.
        var sim = StartProcess("simulator", simDll, Path.Combine(logs, $"simulator-{attempt}.log"),
        [
            $"--Simulator:ListenUrl={SimUrl}",
            $"--Simulator:Remote:BaseUrl={RemoteUrl}",
            "--Simulator:Remote:AllowUntrustedLoopbackCertificate=true",
        ]);
        _sim?.Dispose();
        _sim = new HttpClient { BaseAddress = new Uri(SimUrl), Timeout = TimeSpan.FromSeconds(30) };
        await WaitUntilAsync(sim, async () => (await _sim.GetAsync(new Uri("/", UriKind.Relative))).IsSuccessStatusCode);

        var remote = StartProcess("remote", remoteDll, Path.Combine(logs, $"remote-{attempt}.console.log"),
        [
            $"--Remote:Port={remotePort}",
            $"--Remote:AllowedCorsOrigins:0={SimUrl}",
            $"--Remote:SelfSignedCertificatePath={Path.Combine(WorkDirectory, "tls", "remote-localhost.pfx")}",
            $"--Forge:AppId={appId}",
            $"--Forge:JwksUrl={SimUrl}/.well-known/jwks.json",
            "--Storage:ApplyMigrationsOnStartup=true",
            $"--Storage:DataDirectory={Path.Combine(WorkDirectory, "data")}",
            $"--Security:LocalKey:KeyFile={Path.Combine(WorkDirectory, "keys", "local.key")}",
            $"--Logs:FilePath={Path.Combine(logs, "remote-.log")}",
        ]);
        // The remote's certificate is self-signed and freshly made; readiness is all that is asked here.
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var remoteClient = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        await WaitUntilAsync(remote, async () => (await remoteClient.GetAsync(new Uri(RemoteUrl + "/health/ready"))).IsSuccessStatusCode);

        using var install = await _sim.PostAsync(new Uri("/__sim/install", UriKind.Relative), null);
        var installBody = await install.Content.ReadAsStringAsync();
        if (!install.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /__sim/install answered {(int)install.StatusCode}: {installBody}\n{LogTail()}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopProcessesAsync();
        _sim?.Dispose();
        if (Environment.GetEnvironmentVariable("ESTIMO_E2E_KEEP") != "1")
        {
            try
            {
                Directory.Delete(WorkDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A log file still held open by a dying process: leave the folder to the OS.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>The last lines of both processes' output, for assertion messages.</summary>
    public string LogTail(int lines = 15)
    {
        var sb = new StringBuilder();
        foreach (var process in _processes)
        {
            sb.Append("---- ").Append(process.Name).Append(" (").Append(process.LogPath).Append(") ----\n");
            foreach (var line in process.Tail(lines))
            {
                sb.Append(line.Length > 400 ? line[..400] + "…" : line).Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>A Jira session bearer token for a seed user, as the browser would hold.</summary>
    public async Task<string> SessionTokenAsync(string accountId)
    {
        using var response = await Sim.PostAsJsonAsync(new Uri("/__sim/tokens", UriKind.Relative), new { accountId, kind = "session" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /__sim/tokens answered {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)?["token"]?.GetValue<string>() ?? throw new InvalidOperationException("No token in " + body);
    }

    /// <summary>GET on the simulated Jira REST API as <paramref name="accountId"/>; the JSON body, or null on 404.</summary>
    public async Task<JsonNode?> JiraGetAsync(string accountId, string path)
    {
        var token = await SessionTokenAsync(accountId);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new("Bearer", token);
        using var response = await Sim.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body);
    }

    /// <summary>
    /// Runs the operator CLI (<c>estimo-ops</c>, as built) against the remote's database and
    /// keyring, as the OS user running the tests, outside any SSH session.
    /// </summary>
    public async Task<(int ExitCode, string Output, string Error)> OpsAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = WorkDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(BuiltDll("src/Estimo.Ops", "estimo-ops.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var setting in new[] { $"Storage:DataDirectory={Path.Combine(WorkDirectory, "data")}", $"Security:LocalKey:KeyFile={Path.Combine(WorkDirectory, "keys", "local.key")}" })
        {
            info.ArgumentList.Add("--set");
            info.ArgumentList.Add(setting);
        }

        info.Environment.Remove("SSH_CONNECTION");
        info.Environment.Remove("SSH_USER_AUTH");
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    private RunningProcess StartProcess(string name, string dll, string logPath, string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        // The test host's own settings must not leak into the processes under test.
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment.Remove("DOTNET_URLS");
        var running = RunningProcess.Start(name, info, logPath);
        _processes.Add(running);
        return running;
    }

    private async Task WaitUntilAsync(RunningProcess process, Func<Task<bool>> ready)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < ReadyTimeout)
        {
            if (process.HasExited)
            {
                // The simulator exits with 2 when its port is taken; the remote logs the bind failure.
                var tail = string.Join('\n', process.Tail(40));
                if (process.ExitCode == 2 || tail.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
                {
                    throw new PortTakenException();
                }
                throw new InvalidOperationException($"The {process.Name} exited with code {process.ExitCode} before it was ready.\n{LogTail()}");
            }
            try
            {
                if (await ready())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"The {process.Name} was not ready after {ReadyTimeout.TotalSeconds} s.\n{LogTail()}");
    }

    private async Task StopProcessesAsync()
    {
        // Reverse order: the remote before the simulator it depends on.
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].StopAsync();
        }
        _processes.Clear();
    }

    private string BuiltDll(string projectFolder, string dllName)
    {
        var configuration = TestConfiguration();
        var path = Path.Combine(RepoRoot, projectFolder, "bin", configuration, "net10.0", dllName);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"{path} is missing: build the solution in {configuration} (dotnet build -c {configuration} Estimo.slnx) before the end-to-end tests.");
        }
        return path;
    }

    /// <summary>Debug or Release: whichever this test assembly was built in (…/bin/Release/net10.0/).</summary>
    private static string TestConfiguration()
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent?.Name;
        return configuration is "Debug" or "Release"
            ? configuration
            : throw new InvalidOperationException($"Cannot tell the build configuration from {AppContext.BaseDirectory}.");
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Estimo.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No folder holding Estimo.slnx above {AppContext.BaseDirectory}.");
    }

    private static string ReadAppId(string manifest)
    {
        // As demo.sh does: the first "id:" under "app:".
        var inApp = false;
        foreach (var line in File.ReadLines(manifest))
        {
            if (line.StartsWith("app:", StringComparison.Ordinal))
            {
                inApp = true;
                continue;
            }
            var trimmed = line.Trim();
            if (inApp && trimmed.StartsWith("id:", StringComparison.Ordinal))
            {
                return trimmed["id:".Length..].Trim();
            }
        }
        throw new InvalidOperationException($"No app.id in {manifest}.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class PortTakenException : Exception;
}

/// <summary>A child process whose stdout and stderr go to one log file (and a tail kept in memory).</summary>
internal sealed class RunningProcess
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Queue<string> _tail = new();
    private readonly Lock _gate = new();

    private RunningProcess(string name, Process process, string logPath)
    {
        Name = name;
        LogPath = logPath;
        _process = process;
        _log = new StreamWriter(logPath, append: false, Encoding.UTF8) { AutoFlush = true };
    }

    public string Name { get; }

    public string LogPath { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static RunningProcess Start(string name, ProcessStartInfo info, string logPath)
    {
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var running = new RunningProcess(name, process, logPath);
        process.OutputDataReceived += (_, e) => running.Append(e.Data);
        process.ErrorDataReceived += (_, e) => running.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    public IReadOnlyList<string> Tail(int lines)
    {
        lock (_gate)
        {
            return _tail.Skip(Math.Max(0, _tail.Count - lines)).ToList();
        }
    }

    public async Task StopAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (InvalidOperationException)
        {
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _log.Dispose();
            }
            _process.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_gate)
        {
            _tail.Enqueue(line);
            while (_tail.Count > 200)
            {
                _tail.Dequeue();
            }
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
