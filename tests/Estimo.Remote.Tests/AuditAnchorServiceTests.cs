using Estimo.Remote.Audit;
using Estimo.Remote.Tests.Support;
using Estimo.Storage;
using Estimo.Storage.Access;
using Estimo.Storage.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Estimo.Remote.Tests;

/// <summary>
/// The anchoring hosted service on a real SQLite database and the real local backup target,
/// on a fake clock: it anchors and exports at each interval when the head moved, survives a
/// failing target with a warning naming only the exception type, and can be turned off.
/// </summary>
public sealed class AuditAnchorServiceTests : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "estimo-anchor-service-tests", Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 3, 0, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string AnchorDirectory => Path.Combine(_root, "backups", "audit-anchors");

    [Fact]
    public async Task EveryInterval_TheMovedHeadIsAnchoredAndExported_AnIdleOneIsNot()
    {
        await using var provider = await BuildAsync("01:00:00");
        var log = new CapturingLogger<AuditAnchorService>();
        var service = Service(provider, log);
        await AppendAsync(provider, 2);

        await service.StartAsync(Ct);
        _time.Advance(TimeSpan.FromMinutes(59));
        await Task.Delay(300, Ct);
        var beforeInterval = ExportedNames();
        _time.Advance(TimeSpan.FromMinutes(1));
        await WaitForAsync(() => ExportedNames().Length == 1, log);
        _time.Advance(TimeSpan.FromHours(1)); // idle hour
        await Task.Delay(500, Ct);
        var afterIdleHour = await CountAsync(provider);
        await AppendAsync(provider, 1);
        _time.Advance(TimeSpan.FromHours(1));
        await WaitForAsync(() => ExportedNames().Length == 2, log);
        await service.StopAsync(Ct);

        Assert.Empty(beforeInterval);
        Assert.Equal(3, afterIdleHour); // two records and one anchor record
        Assert.Equal(["00000000000000000002.json", "00000000000000000004.json"], ExportedNames());
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal(2, await CountAsync(provider, "WHERE action = 'audit.anchored' AND actor = 'system:audit-anchor'"));
    }

    [Fact]
    public async Task AFailingTarget_LogsAWarningWithTheExceptionTypeOnly_AndTheNextRunSucceeds()
    {
        Directory.CreateDirectory(_root);
        var blocker = Path.Combine(_root, "backups");
        await File.WriteAllTextAsync(blocker, "a file where the backup directory should be", Ct);
        await using var provider = await BuildAsync("01:00:00");
        var log = new CapturingLogger<AuditAnchorService>();
        var service = Service(provider, log);
        await AppendAsync(provider, 1);

        var failed = await service.RunOnceAsync(Ct);
        File.Delete(blocker);
        var retried = await service.RunOnceAsync(Ct);

        Assert.Null(failed);
        var warning = Assert.Single(log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Equal("Anchoring the audit chain failed (IOException); the next interval tries again", warning.Message);
        Assert.Equal(AuditAnchorOutcome.Exported, retried); // the anchor recorded before the export failed is exported now
        Assert.Equal(["00000000000000000001.json"], ExportedNames());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("off")]
    public async Task AnchoringCanBeTurnedOff(string setting)
    {
        await using var provider = await BuildAsync(setting);
        var log = new CapturingLogger<AuditAnchorService>();
        var service = Service(provider, log);
        await AppendAsync(provider, 1);

        await service.StartAsync(Ct);
        await service.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        _time.Advance(TimeSpan.FromDays(2));
        await service.StopAsync(Ct);

        Assert.Contains(log.Entries, e => e.Message.Contains("disabled", StringComparison.Ordinal));
        Assert.Empty(ExportedNames());
    }

    [Fact]
    public async Task TheHealthDetail_IsDegradedWhenARecordWaitedTwoIntervalsForAnAnchor()
    {
        await using var provider = await BuildAsync("01:00:00");
        var service = Service(provider, new CapturingLogger<AuditAnchorService>());
        var check = new AuditAnchorHealthCheck(provider.GetRequiredService<AuditAnchorExporter>(), _time, provider.GetRequiredService<IOptions<AuditAnchorOptions>>(), provider.GetRequiredService<AuditAnchorRunState>());
        await AppendAsync(provider, 2);

        var fresh = await check.CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext(), Ct);
        _time.Advance(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1)); // no anchoring ran for two intervals
        var stale = await check.CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext(), Ct);
        await service.RunOnceAsync(Ct);
        var anchored = await check.CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext(), Ct);

        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, fresh.Status);
        Assert.Equal("never", fresh.Data["lastAnchorAt"]);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, stale.Status);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, anchored.Status);
        Assert.Equal(2L, anchored.Data["lastAnchoredSequence"]);
    }

    [Fact]
    public async Task AnS3BucketWithoutObjectLock_IsAClearWarning_AndDegradesTheHealthDetailAtOnce_UntilAnExportSucceeds()
    {
        await using var s3 = await ObjectLockLessS3.StartAsync();
        await using var provider = await BuildAsync("01:00:00", new Dictionary<string, string?>
        {
            ["Backups:Target"] = "S3",
            ["Backups:S3:Bucket"] = "estimo-backups",
            ["Backups:S3:Region"] = "ap-southeast-2",
            ["Backups:S3:KmsKeyId"] = "alias/estimo",
            ["Backups:S3:ServiceUrl"] = s3.Url.ToString(),
            ["Backups:S3:ForcePathStyle"] = "true",
        });
        var log = new CapturingLogger<AuditAnchorService>();
        var service = Service(provider, log);
        var check = new AuditAnchorHealthCheck(provider.GetRequiredService<AuditAnchorExporter>(), _time, provider.GetRequiredService<IOptions<AuditAnchorOptions>>(), provider.GetRequiredService<AuditAnchorRunState>());
        await AppendAsync(provider, 1);

        var refused = await service.RunOnceAsync(Ct);
        var degraded = await check.CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext(), Ct);
        s3.ObjectLockEnabled = true; // the bucket is fixed (in reality: recreated with Object Lock)
        var retried = await service.RunOnceAsync(Ct);
        var healthy = await check.CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext(), Ct);

        Assert.Null(refused);
        var warning = Assert.Single(log.Entries, e => e.Level == LogLevel.Warning);
        Assert.StartsWith("Exporting the audit anchor failed: the anchor store refused write-once retention. S3 PutObject of audit anchor audit-anchors/00000000000000000001.json on bucket estimo-backups was refused: InvalidRequest (HTTP 400", warning.Message, StringComparison.Ordinal);
        Assert.Contains("the bucket must be created with Object Lock enabled", warning.Message, StringComparison.Ordinal);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, degraded.Status); // no two-interval wait
        Assert.StartsWith("Audit anchors cannot be stored write-once: S3 PutObject of audit anchor", degraded.Description, StringComparison.Ordinal);
        Assert.Equal("AuditAnchorRetentionException", degraded.Data["lastFailure"]);
        Assert.Equal(AuditAnchorOutcome.Exported, retried);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, healthy.Status);
        Assert.False(healthy.Data.ContainsKey("lastFailure"));
        Assert.Equal("COMPLIANCE", s3.LastLockMode);
    }

    [Theory]
    [InlineData("01:00:00", true)]
    [InlineData("00:01:00", true)]
    [InlineData("1.00:00:00", true)]
    [InlineData("OFF", true)]
    [InlineData("00:00:30", false)]
    [InlineData("2.00:00:00", false)]
    [InlineData("hourly", false)]
    [InlineData("", false)]
    [InlineData("-01:00:00", false)]
    public void TheIntervalIsValidated(string value, bool valid)
    {
        var result = new AuditAnchorOptionsValidator().Validate(null, new AuditAnchorOptions { AnchorInterval = value });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Audit:AnchorInterval", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    private async Task<ServiceProvider> BuildAsync(string interval, IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = Path.Combine(_root, "data"),
            ["Backups:Directory"] = Path.Combine(_root, "backups"),
            ["Audit:AnchorInterval"] = interval,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<Amazon.Runtime.AWSCredentials>(new Amazon.Runtime.BasicAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"));
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton<IConfiguration>(configuration);
        services.AddEstimoStorage(configuration);
        services.AddEstimoAuditAnchoring();
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IDatabaseMigrator>().MigrateAsync(Ct);
        return provider;
    }

    private AuditAnchorService Service(IServiceProvider provider, CapturingLogger<AuditAnchorService> log) => new(
        provider.GetRequiredService<AuditAnchorExporter>(), _time, provider.GetRequiredService<IOptions<AuditAnchorOptions>>(), provider.GetRequiredService<AuditAnchorRunState>(), log);

    internal static async Task AppendAsync(IServiceProvider provider, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await provider.GetRequiredService<OperatorRegistry>().RecordCommandAsync("alice", "key list", null, Ct);
        }
    }

    private static async Task<int> CountAsync(IServiceProvider provider, string where = "")
    {
        await using var db = await provider.GetRequiredService<IDbContextFactory<EstimoDbContext>>().CreateDbContextAsync(Ct);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM audit_events " + where;
        return Convert.ToInt32(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task WaitForAsync(Func<bool> condition, CapturingLogger<AuditAnchorService> log)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50, Ct);
        }

        Assert.True(condition(), "timed out waiting for the anchor service: " + string.Join(" | ", log.Entries.Select(e => e.Message)));
    }

    private string[] ExportedNames() => Directory.Exists(AnchorDirectory)
        ? [.. Directory.EnumerateFiles(AnchorDirectory, "*.json").Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal)]
        : [];

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Just enough S3 on loopback for the anchor export: ListObjectsV2 answers empty, and a PUT
    /// with Object Lock headers is refused with S3's <c>400 InvalidRequest</c> while
    /// <see cref="ObjectLockEnabled"/> is false (the full contract test is in Estimo.Storage.Tests).
    /// </summary>
    private sealed class ObjectLockLessS3 : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private ObjectLockLessS3(WebApplication app) => _app = app;

        public Uri Url { get; private set; } = null!;

        public bool ObjectLockEnabled { get; set; }

        public string? LastLockMode { get; private set; }

        public static async Task<ObjectLockLessS3> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var server = new ObjectLockLessS3(app);
            app.Run(server.HandleAsync);
            await app.StartAsync();
            server.Url = new Uri(app.Urls.First());
            return server;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();

        private async Task HandleAsync(HttpContext context)
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            if (context.Request.Method == "PUT")
            {
                if (!ObjectLockEnabled && context.Request.Headers.ContainsKey("x-amz-object-lock-mode"))
                {
                    context.Response.StatusCode = 400;
                    context.Response.ContentType = "application/xml";
                    await context.Response.WriteAsync(
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InvalidRequest</Code><Message>Bucket is missing Object Lock Configuration</Message><RequestId>r1</RequestId></Error>");
                    return;
                }

                LastLockMode = context.Request.Headers["x-amz-object-lock-mode"].ToString();
                context.Response.Headers.ETag = "\"e\"";
                return;
            }

            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>estimo-backups</Name><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>");
        }
    }
}
