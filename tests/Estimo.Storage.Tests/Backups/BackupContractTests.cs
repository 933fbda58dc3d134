using Estimo.Core.Installations;
using Estimo.Core.Poker;
using Estimo.Storage.Backups;
using Estimo.Storage.Entities;
using Estimo.Storage.Security;
using Estimo.Storage.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Estimo.Storage.Tests.Backups;

/// <summary>
/// Backups and restores on a real database of each provider. Every test gets its own fresh
/// database (a restore wipes and rewrites everything).
/// </summary>
public abstract class BackupContractTests<TFixture>
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

    [Fact]
    public async Task BackupWipeRestore_GivesIdenticalData_RowByRow_AndSealedValuesOpen()
    {
        await using var fixture = await StartAsync();
        await BackupTestData.SeedAsync(fixture, installations: 3, sessionsEach: 4, Ct);
        var before = await BackupTestData.DumpAsync(fixture, Ct);
        var backups = fixture.Get<BackupService>();

        var backup = await backups.BackupAsync("alice", null, Ct);
        await BackupTestData.WipeAsync(fixture, Ct);
        var report = await backups.RestoreAsync(backup.Id, "alice", dryRun: false, forceNonEmpty: false, Ct);
        var after = await BackupTestData.DumpAsync(fixture, Ct);

        Assert.False(backup.Skipped);
        Assert.Equal(12, backup.Tables["poker_sessions"]);
        Assert.True(report.CountsMatch);
        Assert.Equal(0, report.InstallationsWithoutKeys);
        Assert.Equal(before.Keys, after.Keys);
        foreach (var table in before.Keys.Where(t => t != "audit_events"))
        {
            Assert.Equal(before[table], after[table]);
        }

        // The restore adds exactly its own audit record to the restored ones.
        Assert.Equal(before["audit_events"], after["audit_events"].Where(r => !r.Contains("| backup.restored |", StringComparison.Ordinal)).ToList());
        Assert.Single(after["audit_events"], r => r.Contains("| backup.restored |", StringComparison.Ordinal));
        Assert.NotEmpty(after["installation_keys"]);
        await AssertEverySealedValueOpensAsync(fixture);
    }

    [Fact]
    public async Task Backup_TakenDuringConcurrentWrites_RestoresAConsistentState()
    {
        await using var fixture = await StartAsync();
        using var stop = new CancellationTokenSource();
        var written = 0;
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                // One transaction: an installation and exactly three sessions, or nothing.
                await using var db = fixture.CreateContext();
                var installation = Some.InstallationId();
                db.Installations.Add(new InstallationEntity
                {
                    Id = installation,
                    CloudId = Guid.NewGuid().ToString(),
                    ApiBaseUrl = new Uri("https://api.atlassian.com/ex/jira/x"),
                    AppVersion = "1",
                    Environment = "PRODUCTION",
                });
                for (var i = 0; i < 3; i++)
                {
                    db.PokerSessions.Add(new PokerSessionEntity
                    {
                        Id = Guid.NewGuid().ToString("N"),
                        InstallationId = installation,
                        ProjectKey = "EST",
                        EstimationFieldId = "customfield_10016",
                        FacilitatorAccountId = BackupTestData.Facilitator,
                        SealedState = [1, 2, 3],
                    });
                }

                await db.SaveChangesAsync(CancellationToken.None);
                Interlocked.Increment(ref written);
            }
        }, CancellationToken.None);

        while (Volatile.Read(ref written) < 20)
        {
            await Task.Delay(10, Ct);
        }

        var backups = fixture.Get<BackupService>();
        var backup = await backups.BackupAsync("alice", null, Ct);
        var atBackup = Volatile.Read(ref written);
        while (Volatile.Read(ref written) < atBackup + 20)
        {
            await Task.Delay(10, Ct);
        }

        await stop.CancelAsync();
        await writer;
        await BackupTestData.WipeAsync(fixture, Ct);
        await backups.RestoreAsync(backup.Id, "alice", dryRun: false, forceNonEmpty: false, Ct);

        await using var check = fixture.CreateContext();
        var perInstallation = await check.PokerSessions.GroupBy(s => s.InstallationId).Select(g => g.Count()).ToListAsync(Ct);
        var installations = await check.Installations.CountAsync(Ct);
        Assert.InRange(installations, 20, Volatile.Read(ref written) - 1);
        Assert.Equal(installations, perInstallation.Count);
        Assert.All(perInstallation, n => Assert.Equal(3, n));
    }

    [Fact]
    public async Task Restore_IntoANonEmptyDatabase_IsRefused_UnlessForced()
    {
        await using var fixture = await StartAsync();
        await BackupTestData.SeedAsync(fixture, 2, 2, Ct);
        var backups = fixture.Get<BackupService>();
        var backup = await backups.BackupAsync("alice", null, Ct);
        var atBackup = await BackupTestData.DumpAsync(fixture, Ct);
        await BackupTestData.SeedAsync(fixture, 1, 1, Ct);
        var changed = await BackupTestData.DumpAsync(fixture, Ct);

        var refused = await Assert.ThrowsAsync<BackupException>(() => backups.RestoreAsync(backup.Id, "alice", false, false, Ct));
        var untouched = await BackupTestData.DumpAsync(fixture, Ct);
        await backups.RestoreAsync(backup.Id, "alice", dryRun: false, forceNonEmpty: true, Ct);
        var restored = await BackupTestData.DumpAsync(fixture, Ct);

        Assert.Contains("not empty", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--force-non-empty", refused.Message, StringComparison.Ordinal);
        Assert.Equal(changed, untouched);
        Assert.Equal(atBackup["poker_sessions"], restored["poker_sessions"]);
        Assert.Equal(atBackup["installations"], restored["installations"]);
        Assert.Equal(atBackup["installation_keys"], restored["installation_keys"]);
    }

    [Fact]
    public async Task DryRun_RestoresIntoAScratchDatabase_AndLeavesTheRealOneAlone()
    {
        await using var fixture = await StartAsync();
        await BackupTestData.SeedAsync(fixture, 2, 3, Ct);
        var backups = fixture.Get<BackupService>();
        var backup = await backups.BackupAsync("alice", null, Ct);
        var before = await BackupTestData.DumpAsync(fixture, Ct);

        var report = await backups.RestoreAsync(backup.Id, "alice", dryRun: true, forceNonEmpty: false, Ct);

        Assert.True(report.DryRun);
        Assert.True(report.CountsMatch);
        Assert.Equal(6, report.Tables.Single(t => t.Name == "poker_sessions").Restored);
        Assert.Equal(before, await BackupTestData.DumpAsync(fixture, Ct));
        Assert.Empty(Directory.EnumerateFiles(fixture.BackupDirectory, "*.db*"));
    }

    [Fact]
    public async Task Restore_WhileAnotherRestoreRuns_IsRefusedClearly()
    {
        await using var fixture = await StartAsync();
        await BackupTestData.SeedAsync(fixture, 1, 1, Ct);
        var backups = fixture.Get<BackupService>();
        var backup = await backups.BackupAsync("alice", null, Ct);
        await BackupTestData.WipeAsync(fixture, Ct);
        var storage = fixture.Get<IOptions<StorageOptions>>().Value;
        var locks = new BackupLocks(storage, fixture.Get<StoragePaths>().DataDirectory(storage));

        await using (var first = await locks.TryAcquireAsync(BackupLocks.RestoreKey, Ct))
        {
            Assert.NotNull(first);
            var refused = await Assert.ThrowsAsync<BackupException>(() => backups.RestoreAsync(backup.Id, "bob", false, false, Ct));
            Assert.Contains("another restore is running", refused.Message, StringComparison.Ordinal);
            await using var check = fixture.CreateContext();
            Assert.Equal(0, await check.Installations.CountAsync(Ct));
        }

        var report = await backups.RestoreAsync(backup.Id, "bob", false, false, Ct);
        Assert.True(report.CountsMatch);
    }

    [Fact]
    public async Task TwoBackupsOfOneOccurrence_OnlyOneIsTaken()
    {
        await using var fixture = await StartAsync();
        await BackupTestData.SeedAsync(fixture, 1, 1, Ct);
        var occurrence = new DateTimeOffset(2026, 11, 28, 3, 0, 0, TimeSpan.Zero);
        var first = BuildService(fixture);
        var second = BuildService(fixture);

        var results = await Task.WhenAll(
            Attempt(first.BackupAsync(BackupService.SchedulerActor, occurrence, Ct)),
            Attempt(second.BackupAsync(BackupService.SchedulerActor, occurrence, Ct)));
        var again = await first.BackupAsync(BackupService.SchedulerActor, occurrence, Ct);

        Assert.Single(results, r => r is { Skipped: false });
        Assert.True(again.Skipped);
        Assert.Single(await first.ListAsync(Ct));
        await using var db = fixture.CreateContext();
        Assert.Equal(1, await db.AuditEvents.CountAsync(a => a.Action == "backup.created", Ct));

        static async Task<BackupResult?> Attempt(Task<BackupResult> backup)
        {
            try
            {
                return await backup;
            }
            catch (BackupException ex) when (ex.Message.Contains("another backup is running", StringComparison.Ordinal))
            {
                return null;
            }
        }
    }

    [Fact]
    public async Task Drill_OfAGoodBackup_Succeeds_AndCatchesADeliberatelyCorruptedOne()
    {
        await using var fixture = await StartAsync();
        await BackupTestData.SeedAsync(fixture, 2, 3, Ct);
        var backups = fixture.Get<BackupService>();
        var backup = await backups.BackupAsync("alice", null, Ct);

        var good = await backups.DrillAsync(backup.Id, BackupService.SchedulerActor, Ct);
        var file = BackupTestData.FileOf(fixture, backup.Id);
        var bytes = await File.ReadAllBytesAsync(file, Ct);
        bytes[^40] ^= 0x20;
        await File.WriteAllBytesAsync(file, bytes, Ct);
        var bad = await backups.DrillAsync(backup.Id, BackupService.SchedulerActor, Ct);
        var status = await backups.GetStatusAsync(Ct);

        Assert.True(good.Succeeded, good.Reason);
        Assert.Equal(8, good.ValuesDecrypted); // 6 sessions and 2 system tokens
        Assert.False(bad.Succeeded);
        Assert.Contains("does not authenticate", bad.Reason, StringComparison.Ordinal);
        Assert.NotNull(status.LastDrill);
        Assert.False(status.LastDrill.Succeeded);
        Assert.Equal(backup.Id, status.LastBackupId);
    }

    [Fact]
    public async Task Drill_WhenSealedValuesDoNotOpen_Fails()
    {
        await using var fixture = await StartAsync();
        var ids = await BackupTestData.SeedAsync(fixture, 1, 2, Ct);
        await using (var db = fixture.CreateContext())
        {
            var session = await db.PokerSessions.FirstAsync(Ct);
            var damaged = session.SealedState.ToArray();
            damaged[^1] ^= 1; // a value damaged in the database itself
            session.SealedState = damaged;
            await db.SaveChangesAsync(Ct);
        }

        var backups = fixture.Get<BackupService>();
        var backup = await backups.BackupAsync("alice", null, Ct);
        var drill = await backups.DrillAsync(backup.Id, "alice", Ct);

        Assert.False(drill.Succeeded);
        Assert.Contains("could not be opened", drill.Reason, StringComparison.Ordinal);
        Assert.Single(ids);
    }

    [Fact]
    public async Task AfterAPurge_AnOldBackupRestores_WithoutThePurgedInstallation_AndItsKeysAreGone()
    {
        await using var fixture = await StartAsync();
        var ids = await BackupTestData.SeedAsync(fixture, 2, 3, Ct);
        var (purged, kept) = (ids[0], ids[1]);
        var backups = fixture.Get<BackupService>();
        var backup = await backups.BackupAsync("alice", null, Ct);

        // The purge (another component) deletes the rows and tells the listeners.
        await using (var db = fixture.CreateContext())
        {
            await db.Installations.Where(i => i.Id == purged).ExecuteDeleteAsync(Ct);
        }

        fixture.Time.Advance(TimeSpan.FromMinutes(1));
        foreach (var listener in fixture.Services.GetServices<Estimo.Storage.Lifecycle.IInstallationPurgeListener>())
        {
            await listener.OnInstallationPurgedAsync(purged, Ct);
        }

        // A later backup does not bring the purged installation's keys back.
        await backups.BackupAsync("alice", null, Ct);
        await BackupTestData.WipeAsync(fixture, Ct);
        var report = await backups.RestoreAsync(backup.Id, "alice", false, false, Ct);

        Assert.Equal(1, report.InstallationsSkippedAsPurged);
        Assert.Equal(0, report.InstallationsWithoutKeys);
        Assert.Equal(3, report.Tables.Single(t => t.Name == "poker_sessions").SkippedAsPurged);
        Assert.True(report.CountsMatch);
        await using var check = fixture.CreateContext();
        Assert.Equal([kept], await check.Installations.Select(i => i.Id).ToListAsync(Ct));
        Assert.False(await check.InstallationKeys.AnyAsync(k => k.InstallationId == purged, Ct));
        Assert.False(await check.PokerSessions.AnyAsync(s => s.InstallationId == purged, Ct));
        await AssertEverySealedValueOpensAsync(fixture);
    }

    [Fact]
    public async Task Restore_OfABackupFromANewerSchema_IsRefused_AndWritesNothing()
    {
        await using var fixture = await StartAsync();
        await BackupTestData.SeedAsync(fixture, 1, 1, Ct);
        await using (var db = fixture.CreateContext())
        {
            await db.Database.ExecuteSqlRawAsync(
                "INSERT INTO \"__EFMigrationsHistory\" (\"MigrationId\", \"ProductVersion\") VALUES ('29991231000000_FromTheFuture', '10.0.15')", Ct);
        }

        var backups = fixture.Get<BackupService>();
        var backup = await backups.BackupAsync("alice", null, Ct);
        await using (var db = fixture.CreateContext())
        {
            await db.Database.ExecuteSqlRawAsync("DELETE FROM \"__EFMigrationsHistory\" WHERE \"MigrationId\" = '29991231000000_FromTheFuture'", Ct);
        }

        await BackupTestData.WipeAsync(fixture, Ct);
        var refused = await Assert.ThrowsAsync<BackupException>(() => backups.RestoreAsync(backup.Id, "alice", false, false, Ct));

        Assert.Contains("'FromTheFuture', which this build does not know", refused.Message, StringComparison.Ordinal);
        await using var check = fixture.CreateContext();
        Assert.Equal(0, await check.Installations.CountAsync(Ct));
        Assert.Equal(0, await check.AuditEvents.CountAsync(Ct));
    }

    [Fact]
    public async Task Backup_WhenTheDiskFillsUpPartway_FailsClearly_AndLeavesNoPartialFile()
    {
        await using var fixture = await StartAsync();
        await BackupTestData.SeedAsync(fixture, 2, 5, Ct);
        var full = new FullDiskTarget(new LocalDirectoryBackupTarget(fixture.BackupDirectory), failAfterBytes: 700);
        var backups = BuildService(fixture, target: full);

        var failed = await Assert.ThrowsAsync<BackupException>(() => backups.BackupAsync("alice", null, Ct));

        Assert.Contains("No space left on device", failed.Message, StringComparison.Ordinal);
        Assert.Contains("partial file was removed", failed.Message, StringComparison.Ordinal);
        Assert.True(full.Failures > 0);
        var left = Directory.EnumerateFiles(fixture.BackupDirectory).Select(Path.GetFileName).ToList();
        Assert.DoesNotContain(left, n => n!.EndsWith(".estimo-backup", StringComparison.Ordinal) || n.EndsWith(".partial", StringComparison.Ordinal) || n.EndsWith(".spill", StringComparison.Ordinal));
        Assert.Empty(await backups.ListAsync(Ct));
    }

    [Fact]
    public async Task Restore_WithTheWrongKey_IsRefused_AndWritesNothing()
    {
        await using var fixture = await StartAsync();
        await BackupTestData.SeedAsync(fixture, 1, 1, Ct);
        var backup = await fixture.Get<BackupService>().BackupAsync("alice", null, Ct);
        await BackupTestData.WipeAsync(fixture, Ct);
        using var otherKeys = new TempDirectory();
        var wrongKeyring = new LocalKeyProvider(otherKeys.Combine("keyring.json"), otherKeys.Combine("local.key"), NullLogger<LocalKeyProvider>.Instance);
        await wrongKeyring.CheckAsync(Ct);
        var backups = BuildService(fixture, keys: wrongKeyring);

        var verify = await Assert.ThrowsAsync<BackupException>(() => backups.VerifyAsync(backup.Id, Ct));
        var restore = await Assert.ThrowsAsync<BackupException>(() => backups.RestoreAsync(backup.Id, "alice", false, false, Ct));

        Assert.Contains("cannot be unwrapped", verify.Message, StringComparison.Ordinal);
        Assert.Contains("wrong keyring or KMS key", restore.Message, StringComparison.Ordinal);
        await using var check = fixture.CreateContext();
        Assert.Equal(0, await check.Installations.CountAsync(Ct));
    }

    internal static BackupService BuildService(StorageFixture fixture, IBackupTarget? target = null, IKeyEncryptionProvider? keys = null) => new(
        fixture.Get<IDbContextFactory<EstimoDbContext>>(),
        fixture.Get<IOptions<StorageOptions>>(),
        fixture.Get<StoragePaths>(),
        keys ?? fixture.Get<IKeyEncryptionProvider>(),
        target ?? fixture.Get<IBackupTarget>(),
        fixture.Get<IOptions<BackupOptions>>(),
        fixture.Get<IOptions<SecurityOptions>>(),
        fixture.Time,
        fixture.Get<ILoggerFactory>());

    private static async Task AssertEverySealedValueOpensAsync(StorageFixture fixture)
    {
        var (protector, ring) = BackupTestData.FreshProtector(fixture);
        using (ring)
        {
            await using var db = fixture.CreateContext();
            var sessions = await db.PokerSessions.ToListAsync(Ct);
            Assert.NotEmpty(sessions);
            foreach (var session in sessions)
            {
                await protector.UnprotectAsync(session.SealedState, Sessions.EfPokerSessionStore.Binding(session.InstallationId, session.Id), Ct);
            }

            foreach (var token in await db.SystemTokens.ToListAsync(Ct))
            {
                await protector.UnprotectAsync(token.SealedToken, Installations.EfSystemTokenCache.Binding(token.InstallationId), Ct);
            }
        }
    }

    /// <summary>A target whose disk is full after a number of bytes.</summary>
    private sealed class FullDiskTarget(IBackupTarget inner, long failAfterBytes) : IBackupTarget
    {
        public int Failures { get; private set; }

        public string Description => inner.Description;

        public async Task<IBackupStaging> BeginAsync(string name, CancellationToken cancellationToken)
        {
            var staging = await inner.BeginAsync(name, cancellationToken);
            return name == IBackupTarget.EscrowName ? staging : new Staging(this, staging, failAfterBytes);
        }

        public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

        public Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken) => inner.OpenReadAsync(name, cancellationToken);

        public Task DeleteAsync(string name, CancellationToken cancellationToken) => inner.DeleteAsync(name, cancellationToken);

        private sealed class Staging(FullDiskTarget owner, IBackupStaging inner, long limit) : IBackupStaging
        {
            public Stream Stream { get; } = new LimitedStream(owner, inner.Stream, limit);

            public Task CommitAsync(CancellationToken cancellationToken) => inner.CommitAsync(cancellationToken);

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }

        private sealed class LimitedStream(FullDiskTarget owner, Stream inner, long limit) : Stream
        {
            private long _written;

            public override bool CanRead => false;

            public override bool CanSeek => false;

            public override bool CanWrite => true;

            public override long Length => _written;

            public override long Position { get => _written; set => throw new NotSupportedException(); }

            public override void Flush() => inner.Flush();

            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

            public override void Write(ReadOnlySpan<byte> buffer)
            {
                if (_written + buffer.Length > limit)
                {
                    owner.Failures++;
                    throw new IOException("No space left on device");
                }

                inner.Write(buffer);
                _written += buffer.Length;
            }

            public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
            {
                Write(buffer.Span);
                return ValueTask.CompletedTask;
            }

            public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                Write(buffer.AsSpan(offset, count));
                return Task.CompletedTask;
            }
        }
    }
}

public sealed class SqliteBackupTests : BackupContractTests<SqliteStorageFixture>;

public sealed class PostgreSqlBackupTests : BackupContractTests<PostgreSqlStorageFixture>;
