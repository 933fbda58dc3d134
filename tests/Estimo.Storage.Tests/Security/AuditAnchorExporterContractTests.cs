using System.Text.Json.Nodes;
using Estimo.Storage.Backups;
using Estimo.Storage.Security;
using Estimo.Storage.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Estimo.Storage.Tests.Security;

/// <summary>
/// Periodic, exported anchors on a real database of each provider, exported to the real local
/// backup target (<c>audit-anchors/</c> in the backup directory): anchors only when the head
/// moved, one process at a time, and the exported anchors catch a truncated tail after the
/// database's own anchor records were deleted too.
/// </summary>
public abstract class AuditAnchorExporterContractTests<TFixture> : IClassFixture<TFixture>
    where TFixture : StorageFixture
{
    protected AuditAnchorExporterContractTests(TFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        Fixture = fixture;
        Fixture.EnsureAvailable();
    }

    protected TFixture Fixture { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private AuditAnchorExporter Exporter => Fixture.Get<AuditAnchorExporter>();

    private string AnchorDirectory => Path.Combine(Fixture.BackupDirectory, "audit-anchors");

    [Fact]
    public async Task AnchorsWhenTheHeadMoved_AndNotWhenIdle()
    {
        await ResetAsync();
        Assert.Equal(AuditAnchorOutcome.Empty, (await Exporter.RunOnceAsync(AuditAnchorExporter.SchedulerActor, Ct)).Outcome);
        await AppendAsync(3);

        var first = await Exporter.RunOnceAsync(AuditAnchorExporter.SchedulerActor, Ct);
        var idle = await Exporter.RunOnceAsync(AuditAnchorExporter.SchedulerActor, Ct);
        var stillIdle = await Exporter.RunOnceAsync(AuditAnchorExporter.SchedulerActor, Ct);
        var recordsWhileIdle = await CountAsync();
        await AppendAsync(1);
        var second = await Exporter.RunOnceAsync(AuditAnchorExporter.SchedulerActor, Ct);

        Assert.Equal((AuditAnchorOutcome.Anchored, 3L), (first.Outcome, first.Anchor!.Sequence));
        Assert.Equal(AuditAnchorOutcome.Idle, idle.Outcome);
        Assert.Equal(AuditAnchorOutcome.Idle, stillIdle.Outcome);
        Assert.Equal(4, recordsWhileIdle); // three records and one anchor record: idle runs add nothing
        Assert.Equal((AuditAnchorOutcome.Anchored, 5L), (second.Outcome, second.Anchor!.Sequence));
        Assert.Equal(["00000000000000000003.json", "00000000000000000005.json"], ExportedNames());
        Assert.Equal(first.Anchor, AuditAnchor.FromJsonLine((await File.ReadAllTextAsync(Path.Combine(AnchorDirectory, "00000000000000000003.json"), Ct)).Trim()));
        await using var db = Fixture.CreateContext();
        Assert.Equal(2, await db.AuditEvents.CountAsync(a => a.Action == AuditChain.AnchorAction && a.Actor == AuditAnchorExporter.SchedulerActor, Ct));
        var verified = await Fixture.Get<AuditChain>().VerifyAsync([.. (await Exporter.ReadExportedAsync(Ct)).Select(e => e.Anchor!)], Ct);
        Assert.True(verified.Valid, verified.Problem);
        Assert.Equal(4, verified.Anchors); // two in the chain, two exported
    }

    [Fact]
    public async Task AnAnchorWhoseExportFailed_IsExportedAtTheNextRun_WithoutANewAnchorRecord()
    {
        await ResetAsync();
        await AppendAsync(2);
        var made = await Exporter.RunOnceAsync(AuditAnchorExporter.SchedulerActor, Ct);
        File.Delete(Path.Combine(AnchorDirectory, "00000000000000000002.json"));

        var next = await Exporter.RunOnceAsync(AuditAnchorExporter.SchedulerActor, Ct);

        Assert.Equal(AuditAnchorOutcome.Exported, next.Outcome);
        Assert.Equal(made.Anchor, next.Anchor);
        Assert.Equal(["00000000000000000002.json"], ExportedNames());
        Assert.Equal(3, await CountAsync());
    }

    [Fact]
    public async Task ConcurrentRuns_AnchorOnce()
    {
        await ResetAsync();
        await AppendAsync(2);

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Exporter.RunOnceAsync(AuditAnchorExporter.SchedulerActor, Ct), Ct)));

        Assert.Single(runs, r => r.Outcome == AuditAnchorOutcome.Anchored);
        Assert.All(runs, r => Assert.Contains(r.Outcome, new[] { AuditAnchorOutcome.Anchored, AuditAnchorOutcome.Busy, AuditAnchorOutcome.Idle }));
        Assert.Equal(3, await CountAsync());
        Assert.Single(ExportedNames());
    }

    [Fact]
    public async Task ATruncatedTail_IsCaughtByTheExportedAnchors_AfterTheDatabasesAnchorRecordsAreDeletedToo()
    {
        await ResetAsync();
        await AppendAsync(3);
        await Exporter.RunOnceAsync(AuditAnchorExporter.SchedulerActor, Ct); // anchors 3; the anchor record is 4
        await AppendAsync(2); // 5, 6
        await Exporter.RunOnceAsync(AuditAnchorExporter.SchedulerActor, Ct); // anchors 6; the anchor record is 7
        await AppendAsync(1); // 8

        // Someone with database access removes everything from the first anchor record on: a
        // consistent prefix with no anchor record left in the database.
        await SqlAsync("DELETE FROM audit_events WHERE sequence >= 4");

        var chain = Fixture.Get<AuditChain>();
        var databaseOnly = await chain.VerifyAsync([], Ct);
        var exported = await Exporter.ReadExportedAsync(Ct);
        var withExports = await chain.VerifyAsync([.. exported.Select(e => e.Anchor!)], Ct);

        Assert.True(databaseOnly.Valid); // nothing in the database can tell
        Assert.Equal(2, exported.Count);
        Assert.False(withExports.Valid);
        Assert.Contains("the chain ends at sequence 3 but an exported anchor covers sequence 6: records were deleted from the end", withExports.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEditedExportedAnchor_IsReported()
    {
        await ResetAsync();
        await AppendAsync(2);
        var made = (await Exporter.RunOnceAsync(AuditAnchorExporter.SchedulerActor, Ct)).Anchor!;
        var path = Path.Combine(AnchorDirectory, "00000000000000000002.json");

        await File.WriteAllTextAsync(path, (made with { Hash = new string('a', 64) }).ToJsonLine(), Ct);
        var rewritten = await Fixture.Get<AuditChain>().VerifyAsync([.. (await Exporter.ReadExportedAsync(Ct)).Select(e => e.Anchor!)], Ct);
        await File.WriteAllTextAsync(path, "not json", Ct);
        var damaged = await Exporter.ReadExportedAsync(Ct);
        await File.WriteAllTextAsync(path, (made with { Sequence = 1 }).ToJsonLine(), Ct);
        var renamed = await Exporter.ReadExportedAsync(Ct);

        Assert.Contains("invalid signature", rewritten.Problem, StringComparison.Ordinal);
        Assert.Null(Assert.Single(damaged).Anchor);
        Assert.Null(Assert.Single(renamed).Anchor); // its content names another sequence than its name
    }

    [Fact]
    public async Task BackupListingAndRetention_NeverSeeExportedAnchors()
    {
        await ResetAsync();
        await AppendAsync(1);
        await Exporter.RunOnceAsync(AuditAnchorExporter.SchedulerActor, Ct);

        var listed = await Fixture.Get<IBackupTarget>().ListAsync(Ct);
        var deleted = await Fixture.Get<BackupService>().ApplyRetentionAsync("alice", Ct);

        Assert.DoesNotContain(listed, n => n.Contains("anchor", StringComparison.Ordinal));
        Assert.Empty(deleted);
        Assert.Equal(["00000000000000000001.json"], ExportedNames());
    }

    private string[] ExportedNames() => Directory.Exists(AnchorDirectory)
        ? [.. Directory.EnumerateFiles(AnchorDirectory, "*.json").Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal)]
        : [];

    private async Task ResetAsync()
    {
        await SqlAsync("DELETE FROM audit_events");
        if (Directory.Exists(AnchorDirectory))
        {
            Directory.Delete(AnchorDirectory, recursive: true);
        }
    }

    private async Task<int> CountAsync()
    {
        await using var db = Fixture.CreateContext();
        return await db.AuditEvents.CountAsync(Ct);
    }

    private async Task AppendAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await using var db = Fixture.CreateContext();
            AuditLog.Add(db, Fixture.Time.GetUtcNow(), "alice", "test.append", $"item-{i}", new JsonObject { ["i"] = i });
            await db.SaveChangesAsync(Ct);
        }
    }

    private async Task SqlAsync(string sql)
    {
        await using var db = Fixture.CreateContext();
#pragma warning disable EF1002 // test-only tampering with fixed values
        await db.Database.ExecuteSqlRawAsync(sql, Ct);
#pragma warning restore EF1002
    }
}

public sealed class SqliteAuditAnchorExporterTests(SqliteStorageFixture fixture) : AuditAnchorExporterContractTests<SqliteStorageFixture>(fixture);

public sealed class PostgreSqlAuditAnchorExporterTests(PostgreSqlStorageFixture fixture) : AuditAnchorExporterContractTests<PostgreSqlStorageFixture>(fixture);
