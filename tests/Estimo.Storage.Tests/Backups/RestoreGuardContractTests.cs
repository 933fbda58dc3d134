using Estimo.Storage.Backups;
using Estimo.Storage.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Estimo.Storage.Tests.Backups;

/// <summary>
/// A real restore and a running remote exclude each other through the database-in-use lock,
/// held here by <see cref="DatabaseInUseLock"/>, the hosted service the remote runs.
/// </summary>
public abstract class RestoreGuardContractTests<TFixture>
    where TFixture : StorageFixture, new()
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<TFixture> StartAsync()
    {
        var fixture = new TFixture();
        await fixture.InitializeAsync();
        if (fixture.SkipReason is { } reason)
        {
            await fixture.DisposeAsync();
            Assert.Skip(reason);
        }

        return fixture;
    }

    private static BackupLocks Locks(StorageFixture fixture)
    {
        var storage = fixture.Get<IOptions<StorageOptions>>().Value;
        return new BackupLocks(storage, fixture.Get<StoragePaths>().DataDirectory(storage));
    }

    /// <summary>The remote's lock holder, checking only when the test says so.</summary>
    private static DatabaseInUseLock Remote(StorageFixture fixture) =>
        new(Locks(fixture), fixture.Provider, Timeout.InfiniteTimeSpan, NullLogger.Instance);

    [Fact]
    public async Task Restore_WhileARemoteRuns_IsRefused_Audited_AndWritesNothing_ThenSucceedsAfterItStops()
    {
        await using var fixture = await StartAsync();
        await BackupTestData.SeedAsync(fixture, 2, 2, Ct);
        var backups = fixture.Get<BackupService>();
        var backup = await backups.BackupAsync("alice", null, Ct);
        var atBackup = await BackupTestData.DumpAsync(fixture, Ct);
        await BackupTestData.SeedAsync(fixture, 1, 1, Ct);
        var changed = await BackupTestData.DumpAsync(fixture, Ct);

        BackupException refused;
        await using (var remote = Remote(fixture))
        {
            await remote.StartAsync(Ct);
            Assert.True(remote.IsHeld);
            refused = await Assert.ThrowsAsync<BackupException>(() => backups.RestoreAsync(backup.Id, "bob", dryRun: false, forceNonEmpty: true, Ct));
            await remote.StopAsync(Ct);
            Assert.False(remote.IsHeld);
        }

        var afterRefusal = await BackupTestData.DumpAsync(fixture, Ct);
        Assert.StartsWith("a remote is running against this database (", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith("); stop it before restoring.", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.Contains(
            fixture.Provider == StorageProvider.PostgreSql ? "1 remote session holds" : BackupLocks.InUseFileName,
            refused.Message,
            StringComparison.Ordinal);
        foreach (var table in changed.Keys.Where(t => t != "audit_events"))
        {
            Assert.Equal(changed[table], afterRefusal[table]);
        }

        var refusal = Assert.Single(afterRefusal["audit_events"].Except(changed["audit_events"]));
        Assert.Contains("| backup.restore.refused |", refusal, StringComparison.Ordinal);
        Assert.Contains("bob", refusal, StringComparison.Ordinal);
        Assert.Contains("remote-running", refusal, StringComparison.Ordinal);

        // The remote has stopped: the same restore goes through, and releases the lock at the end.
        var report = await backups.RestoreAsync(backup.Id, "bob", dryRun: false, forceNonEmpty: true, Ct);
        Assert.True(report.CountsMatch);
        Assert.Equal(atBackup["poker_sessions"], (await BackupTestData.DumpAsync(fixture, Ct))["poker_sessions"]);
        await using var again = Remote(fixture);
        await again.StartAsync(Ct);
        Assert.True(again.IsHeld);
        await again.StopAsync(Ct);
    }

    [Fact]
    public async Task Restore_IntoAnEmptyDatabase_WhileARemoteRuns_IsRefused_AndTheDatabaseStaysEmpty()
    {
        await using var fixture = await StartAsync();
        await BackupTestData.SeedAsync(fixture, 1, 1, Ct);
        var backups = fixture.Get<BackupService>();
        var backup = await backups.BackupAsync("alice", null, Ct);
        await BackupTestData.WipeAsync(fixture, Ct);

        await using (var remote = Remote(fixture))
        await using (var second = Remote(fixture))
        {
            await remote.StartAsync(Ct);
            await second.StartAsync(Ct);
            var refused = await Assert.ThrowsAsync<BackupException>(() => backups.RestoreAsync(backup.Id, "bob", false, false, Ct));
            Assert.Contains("a remote is running against this database", refused.Message, StringComparison.Ordinal);
            if (fixture.Provider == StorageProvider.PostgreSql)
            {
                Assert.Contains("2 remote sessions hold", refused.Message, StringComparison.Ordinal);
            }

            Assert.All((await BackupTestData.DumpAsync(fixture, Ct)).Values, Assert.Empty);
        }

        // Not refused as "not empty": the refusal left no audit record behind.
        var report = await backups.RestoreAsync(backup.Id, "bob", false, false, Ct);
        Assert.True(report.CountsMatch);
    }

    [Fact]
    public async Task DryRun_AndDrill_AreNotBlocked_ByARunningRemote()
    {
        await using var fixture = await StartAsync();
        await BackupTestData.SeedAsync(fixture, 1, 2, Ct);
        var backups = fixture.Get<BackupService>();
        var backup = await backups.BackupAsync("alice", null, Ct);
        await using var remote = Remote(fixture);
        await remote.StartAsync(Ct);

        var report = await backups.RestoreAsync(backup.Id, "bob", dryRun: true, forceNonEmpty: false, Ct);
        var drill = await backups.DrillAsync(backup.Id, "bob", Ct);

        Assert.True(report.DryRun);
        Assert.True(report.CountsMatch);
        Assert.True(drill.Succeeded, drill.Reason);
        Assert.True(remote.IsHeld);
        await remote.StopAsync(Ct);
    }

    [Fact]
    public async Task ARemoteStartingDuringARestore_FailsClearly_AndStartsAfterIt()
    {
        await using var fixture = await StartAsync();
        var locks = Locks(fixture);
        await using var remote = Remote(fixture);

        await using (var restoring = await locks.TryAcquireInUseAsync(exclusive: true, "test restore", Ct))
        {
            Assert.NotNull(restoring);
            var failed = await Assert.ThrowsAsync<DatabaseRestoringException>(() => remote.StartAsync(Ct));
            Assert.Contains("a restore is running against this database", failed.Message, StringComparison.Ordinal);
            Assert.False(remote.IsHeld);
            Assert.Null(await locks.TryAcquireInUseAsync(exclusive: true, "second restore", Ct));
        }

        await remote.StartAsync(Ct);
        Assert.True(remote.IsHeld);
        Assert.Null(await locks.TryAcquireInUseAsync(exclusive: true, "test restore", Ct));
        await remote.StopAsync(Ct);
        await using var afterwards = await locks.TryAcquireInUseAsync(exclusive: true, "test restore", Ct);
        Assert.NotNull(afterwards);
    }
}

public sealed class SqliteRestoreGuardTests : RestoreGuardContractTests<SqliteStorageFixture>;

public sealed class PostgreSqlRestoreGuardTests : RestoreGuardContractTests<PostgreSqlStorageFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WhenTheConnectionHoldingTheLockDrops_TheRemoteTakesItAgain()
    {
        await using var fixture = new PostgreSqlStorageFixture();
        await fixture.InitializeAsync();
        if (fixture.SkipReason is { } reason)
        {
            Assert.Skip(reason);
        }

        var storage = fixture.Get<IOptions<StorageOptions>>().Value;
        var locks = new BackupLocks(storage, fixture.Get<StoragePaths>().DataDirectory(storage));
        await using var remote = new DatabaseInUseLock(locks, StorageProvider.PostgreSql, Timeout.InfiniteTimeSpan, NullLogger.Instance);
        await remote.StartAsync(Ct);
        Assert.Equal(1, await locks.CountInUseHoldersAsync(Ct));

        // The server ends the holding session (a failover or an idle-session kill would too).
        await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(storage.PostgreSqlConnectionString()) { Pooling = false }.ConnectionString))
        {
            await admin.OpenAsync(Ct);
            await using var kill = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = @name AND datname = current_database()", admin);
            kill.Parameters.AddWithValue("name", DatabaseInUseLock.ApplicationName);
            Assert.Equal(1L, await kill.ExecuteScalarAsync(Ct));
        }

        await WaitUntilAsync(async () => await locks.CountInUseHoldersAsync(Ct) == 0);
        await remote.CheckAsync(Ct);

        Assert.True(remote.IsHeld);
        Assert.Equal(1, await locks.CountInUseHoldersAsync(Ct));
        Assert.Null(await locks.TryAcquireInUseAsync(exclusive: true, "test restore", Ct));
        await remote.StopAsync(Ct);
        Assert.Equal(0, await locks.CountInUseHoldersAsync(Ct));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100 && !await condition(); i++)
        {
            await Task.Delay(50, Ct);
        }
    }
}
