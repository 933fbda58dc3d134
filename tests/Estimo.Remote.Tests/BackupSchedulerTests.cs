using System.Text.Json.Nodes;
using Estimo.Core.Installations;
using Estimo.Remote.Backups;
using Estimo.Storage;
using Estimo.Storage.Backups;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Estimo.Remote.Tests;

/// <summary>
/// Two backend instances sharing one real PostgreSQL database and one backup target: at a
/// scheduled occurrence exactly one takes the backup and drills it; the health detail reports
/// the drill. Needs <c>ESTIMO_TEST_POSTGRES</c> (skipped without it unless
/// <c>ESTIMO_REQUIRE_POSTGRES=1</c>).
/// </summary>
public sealed class BackupSchedulerTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "estimo-backup-scheduler-tests", Guid.NewGuid().ToString("N"));
    private string? _server;
    private string? _database;
    private ServiceProvider? _a;
    private ServiceProvider? _b;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var server = Environment.GetEnvironmentVariable("ESTIMO_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(server))
        {
            if (Environment.GetEnvironmentVariable("ESTIMO_REQUIRE_POSTGRES") == "1")
            {
                throw new InvalidOperationException("ESTIMO_REQUIRE_POSTGRES=1 but ESTIMO_TEST_POSTGRES is not set.");
            }

            return;
        }

        _server = new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString;
        _database = $"estimo_sched_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(_server))
        {
            await connection.OpenAsync(Ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", connection);
            await create.ExecuteNonQueryAsync(Ct);
        }

        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = new NpgsqlConnectionStringBuilder(server) { Database = _database }.ConnectionString,
            ["Storage:DataDirectory"] = Path.Combine(_root, "data"),
            ["Security:LocalKey:KeyringFile"] = Path.Combine(_root, "keys", "keyring.json"),
            ["Backups:Directory"] = Path.Combine(_root, "backups"),
        };
        _a = Build(settings);
        _b = Build(settings);
        await _a.GetRequiredService<IDatabaseMigrator>().MigrateAsync(Ct);
        await _a.GetRequiredService<Estimo.Storage.Security.IKeyEncryptionProvider>().CheckAsync(Ct);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddEstimoStorage(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        return services.BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        if (_a is not null)
        {
            await _a.DisposeAsync();
        }

        if (_b is not null)
        {
            await _b.DisposeAsync();
        }

        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_server);
            await connection.OpenAsync(CancellationToken.None);
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private void EnsureAvailable()
    {
        if (_a is null)
        {
            Assert.Skip("ESTIMO_TEST_POSTGRES is not set, so the backup scheduler tests did not run.");
        }
    }

    private static BackupScheduler Scheduler(IServiceProvider services) => new(
        services.GetRequiredService<BackupService>(),
        TimeProvider.System,
        services.GetRequiredService<IOptions<BackupOptions>>(),
        NullLogger<BackupScheduler>.Instance);

    [Fact]
    public async Task TwoInstances_AtTheSameOccurrence_TakeExactlyOneBackup_AndDrillIt()
    {
        EnsureAvailable();
        for (var i = 0; i < 5; i++)
        {
            var registration = new InstallationRegistration(
                $"ari:cloud:ecosystem::installation/{Guid.NewGuid()}", Guid.NewGuid().ToString(), new Uri("https://acme.atlassian.net"),
                new Uri("https://api.atlassian.com/ex/jira/x"), "1.0.0", "PRODUCTION", DateTimeOffset.UtcNow);
            await _a!.GetRequiredService<IInstallationStore>().RecordInstalledAsync(registration, Ct);
            await _a!.GetRequiredService<ISystemTokenCache>().StoreAsync(registration.InstallationId, "token-" + i, DateTimeOffset.UtcNow.AddHours(1), Ct);
        }

        var occurrence = new DateTimeOffset(2026, 11, 29, 3, 0, 0, TimeSpan.Zero);

        await Task.WhenAll(Scheduler(_a!).RunOnceAsync(occurrence, Ct), Scheduler(_b!).RunOnceAsync(occurrence, Ct));
        await Scheduler(_b!).RunOnceAsync(occurrence, Ct); // late: finds the backup taken

        var files = Directory.GetFiles(Path.Combine(_root, "backups"), "*.estimo-backup");
        Assert.Equal([Path.Combine(_root, "backups", "estimo-20261129T030000Z.estimo-backup")], files);
        var actions = await AuditActionsAsync();
        Assert.Equal(1, actions.Count(a => a == "backup.created"));
        Assert.Equal(1, actions.Count(a => a == "backup.drill"));
        var health = await new BackupHealthCheck(_b!.GetRequiredService<BackupService>(), TimeProvider.System, _b!.GetRequiredService<IOptions<BackupOptions>>())
            .CheckHealthAsync(new HealthCheckContext(), Ct);
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Equal("success", health.Data["lastDrillOutcome"]);
    }

    [Fact]
    public async Task BeforeTheFirstBackup_TheCheckIsDegraded_AndSaysWhenTheFirstIsDue()
    {
        EnsureAvailable();
        var now = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 10, 15, 0, TimeSpan.Zero));

        var health = await new BackupHealthCheck(_b!.GetRequiredService<BackupService>(), now, _b!.GetRequiredService<IOptions<BackupOptions>>())
            .CheckHealthAsync(new HealthCheckContext(), Ct);

        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.Equal("No backup has been taken yet. The next is scheduled for 2026-11-30 03:00:00Z. 'estimo-ops backup run' takes one now.", health.Description);
        Assert.Equal("never", health.Data["lastBackupAt"]);
    }

    [Fact]
    public async Task AFailedDrill_MakesTheBackupHealthCheckFail_ButNotReadiness()
    {
        EnsureAvailable();
        var backups = _a!.GetRequiredService<BackupService>();
        var backup = await backups.BackupAsync("alice", null, Ct);
        var file = Path.Combine(_root, "backups", backup.Id + ".estimo-backup");
        var bytes = await File.ReadAllBytesAsync(file, Ct);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(file, bytes, Ct);

        var drill = await backups.DrillAsync(backup.Id, BackupService.SchedulerActor, Ct);
        var health = await new BackupHealthCheck(_b!.GetRequiredService<BackupService>(), TimeProvider.System, _b!.GetRequiredService<IOptions<BackupOptions>>())
            .CheckHealthAsync(new HealthCheckContext(), Ct);

        Assert.False(drill.Succeeded);
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Contains(backup.Id, health.Description, StringComparison.Ordinal);
        Assert.Equal("failure", health.Data["lastDrillOutcome"]);
    }

    private async Task<List<string>> AuditActionsAsync()
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_server) { Database = _database }.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT action, details FROM audit_events ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var actions = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            actions.Add(reader.GetString(0));
            if (reader.GetString(0) == "backup.drill")
            {
                Assert.Equal("success", JsonNode.Parse(reader.GetString(1))!["outcome"]!.GetValue<string>());
            }
        }

        return actions;
    }
}
