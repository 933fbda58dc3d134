using System.Diagnostics;
using Estimo.Remote.Tests.Support;

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

    [Fact]
    public async Task DataOutsideTheAllowedRegions_StopsStartUp_NamingEachResource()
    {
        var (exitCode, stderr) = await RunRemoteAsync(
            "--Forge:AppId=6f1d2c8e-4b7a-4f3e-9a51-2d8c0e7b9f14",
            "--Storage:Provider=PostgreSql",
            "--Storage:Host=estimo.abc123.us-east-1.rds.amazonaws.com",
            "--Storage:Database=estimo",
            "--Storage:Username=app",
            "--Security:Kms:KeyArn=arn:aws:kms:eu-west-1:123456789012:key/abc",
            "--Backups:S3:Region=ap-southeast-2",
            "--Logs:Console=false");

        Assert.Equal(2, exitCode);
        Assert.Contains("us-east-1", stderr, StringComparison.Ordinal);
        Assert.Contains("Security:Kms:KeyArn", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Backups:S3:Region", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadBackupSettings_StopStartUp_NamingEachSetting()
    {
        var (exitCode, stderr) = await RunRemoteAsync(
            "--Forge:AppId=6f1d2c8e-4b7a-4f3e-9a51-2d8c0e7b9f14",
            "--Backups:Schedule=every night",
            "--Backups:Target=S3",
            "--Backups:S3:Region=eu-west-1",
            "--Backups:Retention:DailyDays=0",
            "--Backups:S3:AnchorPrefix=backups/anchors/",
            "--Backups:S3:AnchorRetention=3651.00:00:00",
            "--Audit:AnchorInterval=every hour",
            "--Logs:Console=false");

        Assert.Equal(2, exitCode);
        Assert.Contains("Backups:Schedule 'every night' is not a 5-field cron expression", stderr, StringComparison.Ordinal);
        Assert.Contains("Backups:S3:Bucket is required", stderr, StringComparison.Ordinal);
        Assert.Contains("Backups:S3:KmsKeyId is required", stderr, StringComparison.Ordinal);
        Assert.Contains("Backups:S3:Region", stderr, StringComparison.Ordinal);
        Assert.Contains("Backups:Retention:DailyDays", stderr, StringComparison.Ordinal);
        Assert.Contains("Backups:S3:AnchorPrefix must be a non-empty prefix of its own", stderr, StringComparison.Ordinal);
        Assert.Contains("Backups:S3:AnchorRetention must be between 1 and 3650 days", stderr, StringComparison.Ordinal);
        Assert.Contains("Audit:AnchorInterval 'every hour' must be a time span", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ElasticsearchSettings_AreReportedWithEveryOtherBadSetting()
    {
        // A buffer "directory" under a regular file cannot be created.
        var notADirectory = Path.GetTempFileName();
        var (exitCode, stderr) = await RunRemoteAsync(
            $"--Logs:Elasticsearch:BufferDirectory={Path.Combine(notADirectory, "buffer")}",
            "--Remote:Port=70000",
            "--Forge:AppId=6f1d2c8e-4b7a-4f3e-9a51-2d8c0e7b9f14",
            "--Logs:Elasticsearch:CloudId=estimo-prod:not$base64!",
            "--Logs:Elasticsearch:MaxEventBytes=10",
            "--Logging:Elastic:ApiKey=misplaced",
            "--Logs:Console=false");

        Assert.Equal(2, exitCode);
        Assert.Contains("Remote:Port", stderr, StringComparison.Ordinal);
        Assert.Contains("Logs:Elasticsearch:CloudId is malformed", stderr, StringComparison.Ordinal);
        Assert.Contains("Logs:Elasticsearch:ApiKey is required", stderr, StringComparison.Ordinal);
        Assert.Contains("Logs:Elasticsearch:MaxEventBytes", stderr, StringComparison.Ordinal);
        Assert.Contains("Logging:Elastic:ApiKey is not a setting; use Logs:Elasticsearch:ApiKey", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("misplaced", stderr, StringComparison.Ordinal);
        Assert.Contains("Logs:Elasticsearch:BufferDirectory cannot be created or written", stderr, StringComparison.Ordinal);
        File.Delete(notADirectory);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongElasticsearchApiKey_StopsStartUp_WithoutPrintingTheKey()
    {
        await using var elastic = await ElasticsearchStub.StartAsync();
        const string wrongKey = "d3Jvbmcta2V5LWlkOndyb25nLWtleS1zZWNyZXQ=";

        var (exitCode, stderr) = await RunRemoteAsync(
            "--Forge:AppId=6f1d2c8e-4b7a-4f3e-9a51-2d8c0e7b9f14",
            $"--Logs:Elasticsearch:Url={elastic.Url}",
            $"--Logs:Elasticsearch:ApiKey={wrongKey}",
            "--Logs:Console=false");

        Assert.Equal(2, exitCode);
        Assert.Contains("Logs:Elasticsearch:ApiKey was refused by Elasticsearch", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableElasticsearchEndpoint_StopsStartUp_NamingTheSetting()
    {
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }

        var (exitCode, stderr) = await RunRemoteAsync(
            "--Forge:AppId=6f1d2c8e-4b7a-4f3e-9a51-2d8c0e7b9f14",
            $"--Logs:Elasticsearch:Url=http://127.0.0.1:{port}",
            $"--Logs:Elasticsearch:ApiKey={ElasticsearchStub.ApiKey}",
            "--Logs:Console=false");

        Assert.Equal(2, exitCode);
        Assert.Contains("Logs:Elasticsearch:Url could not be reached", stderr, StringComparison.Ordinal);
        Assert.Contains("Logs:Elasticsearch:StartupCheck=Warn", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Stderr)> RunRemoteAsync(params string[] args)
    {
        var root = Path.Combine(Path.GetTempPath(), "estimo-config-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = root, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Estimo.Remote.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        _ = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stderr);
    }
}
