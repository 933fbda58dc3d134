using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Estimo.Ops.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Estimo.Ops.Tests;

/// <summary>
/// The shipped sshd drop-in (<c>ops/ssh/sshd_config.d/estimo-support.conf</c>) on a real
/// OpenSSH server started on a loopback port, with real users and keys: a support engineer's
/// key login works and the CLI run through it records that key's fingerprint; passwords are
/// refused even when right; a user outside the support group is refused. Needs root (to start
/// sshd and create users); skipped only when not root, and not even then with <c>ESTIMO_REQUIRE_SSHD=1</c>.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SshAccessTests : IAsyncLifetime
{
    private const string SupportGroup = "estimo-support";
    private const string Password = "correct-horse-battery-staple-42";
    private readonly string _dir = Path.Combine("/tmp", "estimo-sshd-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..6];
    private readonly List<string> _users = [];
    private readonly StringBuilder _sshdLog = new();
    private Process? _sshd;
    private bool _createdGroup;
    private int _port;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Engineer => "est-sup-" + _suffix;

    private string Outsider => "est-out-" + _suffix;

    private string WorkDir => Path.Combine(_dir, "work");

    public async ValueTask InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            // Leave no users, group or sshd behind when the set-up itself fails.
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync()
    {
        // Only "not root" skips; as root, missing tools are a broken machine, not a reason to skip.
        if (!Environment.IsPrivilegedProcess)
        {
            if (Environment.GetEnvironmentVariable("ESTIMO_REQUIRE_SSHD") == "1")
            {
                throw new InvalidOperationException("ESTIMO_REQUIRE_SSHD=1 but the tests are not running as root (needed to start sshd and create users).");
            }

            return;
        }

        foreach (var (tool, package) in new[] { ("/usr/sbin/sshd", "openssh-server"), ("/usr/bin/ssh", "openssh-client"), ("/usr/bin/sshpass", "sshpass") })
        {
            if (!File.Exists(tool))
            {
                throw new InvalidOperationException($"{tool} is missing: run scripts/install-test-prerequisites.sh (Debian package {package}).");
            }
        }

        Directory.CreateDirectory(_dir);
        File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        if ((await ExecAsync("getent", "group", SupportGroup)).ExitCode != 0)
        {
            await MustAsync("groupadd", SupportGroup);
            _createdGroup = true;
        }

        await AddUserAsync(Engineer, inSupportGroup: true);
        await AddUserAsync(Outsider, inSupportGroup: false);
        await MustAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(_dir, "ssh_host_ed25519_key"));
        Directory.CreateDirectory("/run/sshd");

        _port = FreePort();
        var dropIn = Path.Combine(RepositoryRoot(), "ops", "ssh", "sshd_config.d", "estimo-support.conf");
        var config = Path.Combine(_dir, "sshd_config");
        // The shipped drop-in first: sshd keeps the first value it reads, so nothing below can weaken it.
        await File.WriteAllTextAsync(config, $"""
            Include {dropIn}
            Port {_port}
            ListenAddress 127.0.0.1
            HostKey {Path.Combine(_dir, "ssh_host_ed25519_key")}
            PidFile {Path.Combine(_dir, "sshd.pid")}
            AuthorizedKeysFile .ssh/authorized_keys
            UsePAM no
            """, Ct);
        var test = await ExecAsync("/usr/sbin/sshd", "-t", "-f", config);
        Assert.True(test.ExitCode == 0, "sshd -t rejected the configuration: " + test.Error);

        _sshd = Process.Start(new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", config]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false })!;
        _sshd.ErrorDataReceived += (_, e) => { lock (_sshdLog) { _sshdLog.AppendLine(e.Data); } };
        _sshd.BeginErrorReadLine();
        for (var i = 0; i < 50 && !await CanConnectAsync(); i++)
        {
            await Task.Delay(100, Ct);
        }

        // The database the engineer's CLI will use: migrated and registered by root, then handed over.
        Directory.CreateDirectory(WorkDir);
        await OpsProcess.BootstrapAsync(WorkDir);
        Assert.Equal(0, (await OpsProcess.RunAsync(WorkDir, null, "operators", "add", "--os-user", Engineer, "--name", "Support Engineer", "--role", "SupportEngineer")).ExitCode);
        Assert.Equal(0, (await OpsProcess.RunAsync(WorkDir, null, "operators", "add-key", Engineer, "--public-key", KeyFile(Engineer) + ".pub")).ExitCode);
        await MustAsync("chown", "-R", $"{Engineer}:{Engineer}", WorkDir);
    }

    public async ValueTask DisposeAsync()
    {
        if (_sshd is { HasExited: false })
        {
            _sshd.Kill();
            await _sshd.WaitForExitAsync(CancellationToken.None);
        }

        _sshd?.Dispose();
        _sshd = null;
        foreach (var user in _users)
        {
            await ExecAsync("userdel", "-r", "-f", user);
        }

        _users.Clear();
        if (_createdGroup)
        {
            await ExecAsync("groupdel", SupportGroup);
            _createdGroup = false;
        }

        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task ASupportEngineersKeyLogin_Works_AndTheCliRecordsThatKeysFingerprint()
    {
        SkipUnlessReady();
        var expected = (await MustAsync("ssh-keygen", "-l", "-E", "sha256", "-f", KeyFile(Engineer) + ".pub")).Split(' ')[1];

        var cli = $"cd {WorkDir} && DOTNET_CLI_HOME={WorkDir} DOTNET_NOLOGO=1 dotnet {Path.Combine(AppContext.BaseDirectory, "estimo-ops.dll")} audit anchor";
        var login = await SshAsync(Engineer, ["-i", KeyFile(Engineer), "-o", "PreferredAuthentications=publickey"], cli);

        Assert.True(login.ExitCode == 0, $"ssh failed ({login.ExitCode}): {login.Error}\nsshd: {SshdLog()}");
        Assert.Contains("Anchored the chain", login.Output, StringComparison.Ordinal);
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(WorkDir, ".estimo", "data", "estimo.db")};Pooling=false");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT a.ssh_key_fingerprint, a.actor FROM audit_events a JOIN operators o ON o.id = a.operator_id WHERE a.action = 'audit.anchored'";
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        Assert.Equal(expected, reader.GetString(0));
        Assert.Equal(Engineer, reader.GetString(1));
    }

    [Fact]
    public async Task PasswordLogin_IsRefused_EvenWithTheRightPassword()
    {
        SkipUnlessReady();

        var login = await ExecAsync("sshpass", ["-p", Password, "ssh", .. ClientOptions(), "-v", "-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "PubkeyAuthentication=no", $"{Engineer}@127.0.0.1", "true"]);

        Assert.NotEqual(0, login.ExitCode);
        Assert.Contains("Authentications that can continue: publickey", login.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Authentications that can continue: publickey,password", login.Error, StringComparison.Ordinal);
        Assert.Contains("Permission denied (publickey)", login.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUserOutsideTheSupportGroup_IsRefused_EvenWithAnAuthorisedKey()
    {
        SkipUnlessReady();

        var login = await SshAsync(Outsider, ["-i", KeyFile(Outsider), "-o", "PreferredAuthentications=publickey"], "true");

        Assert.Equal(255, login.ExitCode);
        Assert.Contains("Permission denied", login.Error, StringComparison.Ordinal);
        await WaitForAsync(() => SshdLog().Contains($"User {Outsider} from 127.0.0.1 not allowed because none of user's groups are listed in AllowGroups", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RootLogin_IsRefused()
    {
        SkipUnlessReady();

        var login = await SshAsync("root", ["-i", KeyFile(Engineer), "-o", "PreferredAuthentications=publickey"], "true");

        Assert.Equal(255, login.ExitCode);
    }

    private void SkipUnlessReady()
    {
        if (_sshd is null)
        {
            Assert.Skip("Real-sshd tests need root (to start sshd and create users); set ESTIMO_REQUIRE_SSHD=1 to make this a failure.");
        }
    }

    private string KeyFile(string user) => Path.Combine(_dir, "home", user, "id_ed25519");

    private async Task AddUserAsync(string user, bool inSupportGroup)
    {
        var home = Path.Combine(_dir, "home", user);
        Directory.CreateDirectory(Path.GetDirectoryName(home)!);
        await MustAsync(["useradd", "-m", "-d", home, "-s", "/bin/sh", .. inSupportGroup ? new[] { "-G", SupportGroup } : [], user]);
        _users.Add(user);
        await ExecAsync("sh", ["-c", $"echo '{user}:{Password}' | chpasswd"]);
        await MustAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", user, "-f", Path.Combine(home, "id_ed25519"));
        Directory.CreateDirectory(Path.Combine(home, ".ssh"));
        File.Copy(Path.Combine(home, "id_ed25519.pub"), Path.Combine(home, ".ssh", "authorized_keys"));
        await MustAsync("chown", "-R", $"{user}:{user}", home);
        await MustAsync("chmod", "700", home, Path.Combine(home, ".ssh"));
        await MustAsync("chmod", "600", Path.Combine(home, ".ssh", "authorized_keys"));
    }

    private string[] ClientOptions() =>
        ["-p", _port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10"];

    private Task<(int ExitCode, string Output, string Error)> SshAsync(string user, string[] options, string remoteCommand) =>
        ExecAsync("ssh", [.. ClientOptions(), "-o", "BatchMode=yes", .. options, $"{user}@127.0.0.1", remoteCommand]);

    private async Task<bool> CanConnectAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, _port, Ct);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private string SshdLog()
    {
        lock (_sshdLog)
        {
            return _sshdLog.ToString();
        }
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 50 && !condition(); i++)
        {
            await Task.Delay(100, Ct);
        }

        Assert.True(condition());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Estimo.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Estimo.slnx not found above the test assembly.");
    }

    private static async Task<string> MustAsync(params string[] args)
    {
        var result = await ExecAsync(args[0], args[1..]);
        Assert.True(result.ExitCode == 0, $"{string.Join(' ', args)} failed: {result.Error}");
        return result.Output;
    }

    private static async Task<(int ExitCode, string Output, string Error)> ExecAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
