using Microsoft.Extensions.Logging;
using Estimo.Remote.Backups;
using Estimo.Storage;
using Estimo.Storage.Backups;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Estimo.Remote.Tests;

/// <summary>The scheduler as a hosted service on a fake clock: the cron occurrence arrives, a backup is taken and drilled.</summary>
public sealed class BackupSchedulerLoopTests : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "estimo-backup-loop-tests", Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AtTheCronOccurrence_TheSchedulerTakesTheBackup_AndDrillsIt()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 2, 58, 0, TimeSpan.Zero));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        var all = new AllLogs();
        services.AddLogging(logging => logging.AddProvider(all).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug));
        services.AddEstimoStorage(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = Path.Combine(_root, "data"),
            ["Backups:Schedule"] = "0 3 * * *",
        }).Build());
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IDatabaseMigrator>().MigrateAsync(Ct);
        var log = new Support.CapturingLogger<BackupScheduler>();
        var scheduler = new BackupScheduler(
            provider.GetRequiredService<BackupService>(), time, provider.GetRequiredService<IOptions<BackupOptions>>(), log);
        var expected = Path.Combine(_root, "backups", "estimo-20261129T030000Z.estimo-backup");

        await scheduler.StartAsync(Ct);
        var before = File.Exists(expected);
        // Fake minutes pass until the occurrence; the backup itself takes real time.
        for (var i = 0; i < 600 && !File.Exists(expected); i++)
        {
            if (time.GetUtcNow() < new DateTimeOffset(2026, 11, 29, 3, 0, 0, TimeSpan.Zero))
            {
                time.Advance(TimeSpan.FromSeconds(30));
            }

            await Task.Delay(100, Ct);
        }

        BackupStatus status;
        var waited = 0;
        do
        {
            await Task.Delay(100, Ct);
            status = await provider.GetRequiredService<BackupService>().GetStatusAsync(Ct);
        }
        while (status.LastDrill is null && ++waited < 600);
        await scheduler.StopAsync(Ct);

        Assert.True(log.Entries.Count == 0, string.Join("; ", log.Entries.Select(e => e.Message)));
        Assert.True(File.Exists(expected), $"task: {scheduler.ExecuteTask?.Status} now {time.GetUtcNow()} logs: {string.Join(" | ", all.Lines.Where(l => !l.Contains("Microsoft.EntityFrameworkCore.Database.Command", StringComparison.Ordinal)).TakeLast(15))}");
        Assert.False(before);
        Assert.True(File.Exists(expected));
        Assert.Equal("estimo-20261129T030000Z", status.LastBackupId);
        Assert.NotNull(status.LastDrill);
        Assert.True(status.LastDrill.Succeeded, status.LastDrill.Reason);
    }

    private sealed class AllLogs : Microsoft.Extensions.Logging.ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Lines { get; } = new();

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<string> lines) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {category} {formatter(state, exception)} {exception?.GetType().Name}");
        }
    }

    public ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return ValueTask.CompletedTask;
    }
}
