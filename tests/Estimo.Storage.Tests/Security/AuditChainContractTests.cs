using System.Text.Json.Nodes;
using Estimo.Storage.Security;
using Estimo.Storage.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Estimo.Storage.Tests.Security;

/// <summary>
/// The hash-chained audit log on a real database of each provider: concurrent appenders build
/// one chain, and <c>VerifyAsync</c> names the first record after each kind of tampering.
/// Each test starts from an empty log (tests in a class run one at a time).
/// </summary>
public abstract class AuditChainContractTests<TFixture> : IClassFixture<TFixture>
    where TFixture : StorageFixture
{
    protected AuditChainContractTests(TFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        Fixture = fixture;
        Fixture.EnsureAvailable();
    }

    protected TFixture Fixture { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private AuditChain Chain => Fixture.Get<AuditChain>();

    [Fact]
    public async Task ManyConcurrentAppenders_BuildOneValidChain()
    {
        await ResetAsync();

        await Parallel.ForEachAsync(Enumerable.Range(0, 16), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (writer, ct) =>
        {
            for (var i = 0; i < 10; i++)
            {
                await using var db = Fixture.CreateContext();
                AuditLog.Add(db, Fixture.Time.GetUtcNow(), $"writer-{writer}", "test.append", $"item-{i}", new JsonObject { ["i"] = i });
                await db.SaveChangesAsync(ct);
            }
        });

        var result = await Chain.VerifyAsync([], Ct);
        Assert.True(result.Valid, result.Problem);
        Assert.Equal(160, result.VerifiedThrough);
        await using var check = Fixture.CreateContext();
        Assert.Equal(Enumerable.Range(1, 160).Select(i => (long?)i), await check.AuditEvents.OrderBy(a => a.Sequence).Select(a => a.Sequence).ToListAsync(Ct));
    }

    [Fact]
    public async Task AnOperatorInTheAmbientContext_IsStampedOnEveryRecord()
    {
        await ResetAsync();

        using (AuditContext.Use(new AuditActor("op-0123456789ab", "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU")))
        {
            await AppendAsync(2);
        }

        await AppendAsync(1);

        await using var db = Fixture.CreateContext();
        var records = await db.AuditEvents.OrderBy(a => a.Sequence).ToListAsync(Ct);
        Assert.All(records.Take(2), r => Assert.Equal(("op-0123456789ab", "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"), (r.OperatorId, r.SshKeyFingerprint)));
        Assert.Null(records[2].OperatorId);
        Assert.True((await Chain.VerifyAsync([], Ct)).Valid);
    }

    [Fact]
    public async Task Verify_AfterARecordIsEdited_NamesIt()
    {
        await ResetAsync();
        var ids = await AppendAsync(5);

        await SqlAsync($"UPDATE audit_events SET details = '{{\"i\":99}}' WHERE id = {ids[2]}");

        var result = await Chain.VerifyAsync([], Ct);
        Assert.False(result.Valid);
        Assert.Equal(ids[2], result.FirstBadId);
        Assert.Contains("edited", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AfterARecordIsEditedAndItsHashRecomputed_NamesTheNext()
    {
        await ResetAsync();
        var ids = await AppendAsync(5);
        await using (var db = Fixture.CreateContext())
        {
            var record = await db.AuditEvents.SingleAsync(a => a.Id == ids[1], Ct);
            record.Actor = "someone-else";
            record.Hash = AuditChain.ComputeHash(record);
            await db.SaveChangesAsync(Ct);
        }

        var result = await Chain.VerifyAsync([], Ct);
        Assert.False(result.Valid);
        Assert.Equal(ids[2], result.FirstBadId);
    }

    [Fact]
    public async Task Verify_AfterARecordIsDeleted_NamesTheOneAfterTheGap()
    {
        await ResetAsync();
        var ids = await AppendAsync(5);

        await SqlAsync($"DELETE FROM audit_events WHERE id = {ids[1]}");

        var result = await Chain.VerifyAsync([], Ct);
        Assert.False(result.Valid);
        Assert.Equal(ids[2], result.FirstBadId);
        Assert.Contains("deleted", result.Problem, StringComparison.Ordinal);
        Assert.Equal(1, result.VerifiedThrough);
    }

    [Fact]
    public async Task Verify_AfterTwoRecordsAreReordered_NamesTheFirst()
    {
        await ResetAsync();
        var ids = await AppendAsync(5);

        await SqlAsync($"UPDATE audit_events SET sequence = -1 WHERE id = {ids[1]}");
        await SqlAsync($"UPDATE audit_events SET sequence = 2 WHERE id = {ids[2]}");
        await SqlAsync($"UPDATE audit_events SET sequence = 3 WHERE id = {ids[1]}");

        var result = await Chain.VerifyAsync([], Ct);
        Assert.False(result.Valid);
        Assert.Equal(ids[2], result.FirstBadId);
    }

    [Fact]
    public async Task Verify_AfterTheLastRecordIsMovedOutOfTheChain_NamesIt()
    {
        await ResetAsync();
        var ids = await AppendAsync(3);

        await SqlAsync($"UPDATE audit_events SET sequence = -3 WHERE id = {ids[2]}");

        var result = await Chain.VerifyAsync([], Ct);
        Assert.False(result.Valid);
        Assert.Equal(ids[2], result.FirstBadId);
        Assert.Contains("moved out of the chain", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AfterARowIsInsertedByHand_NamesIt()
    {
        await ResetAsync();
        await AppendAsync(3);

        await SqlAsync("INSERT INTO audit_events (occurred_at, actor, action, subject, details) VALUES (" + TimeLiteral() + ", 'mallory', 'keys.shred', 'x', '{}')");

        var result = await Chain.VerifyAsync([], Ct);
        Assert.False(result.Valid);
        Assert.Contains("not part of the chain", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AfterARowIsInsertedMidChainWithAForgedHash_NamesTheNext()
    {
        await ResetAsync();
        var ids = await AppendAsync(4);
        await using (var db = Fixture.CreateContext())
        {
            // Shift the tail up by one and slip a record in at sequence 3, with a correct-looking hash.
            var tail = await db.AuditEvents.Where(a => a.Sequence >= 3).OrderByDescending(a => a.Sequence).ToListAsync(Ct);
            foreach (var record in tail)
            {
                await SqlAsync($"UPDATE audit_events SET sequence = {record.Sequence + 1} WHERE id = {record.Id}");
            }

            var previous = await db.AuditEvents.AsNoTracking().Where(a => a.Sequence == 2).Select(a => a.Hash).SingleAsync(Ct);
            var forged = new Entities.AuditEventEntity { Sequence = 3, OccurredAt = Fixture.Time.GetUtcNow(), Actor = "mallory", Action = "x", Subject = "y", Details = "{}", PrevHash = previous };
            forged.Hash = AuditChain.ComputeHash(forged);
            db.AuditEvents.Add(forged);
            await db.SaveChangesWithoutChainingAsync(Ct);
        }

        var result = await Chain.VerifyAsync([], Ct);
        Assert.False(result.Valid);
        Assert.Equal(ids[2], result.FirstBadId);
    }

    [Fact]
    public async Task Verify_AfterTheTailIsTruncated_IsCaughtByAnExportedAnchor()
    {
        await ResetAsync();
        await AppendAsync(3);
        var anchor = await Chain.AnchorAsync("alice", Ct);
        await AppendAsync(2);
        Assert.True((await Chain.VerifyAsync([anchor], Ct)).Valid);

        await SqlAsync($"DELETE FROM audit_events WHERE sequence >= {anchor.Sequence}");

        var withoutExport = await Chain.VerifyAsync([], Ct);
        var withExport = await Chain.VerifyAsync([anchor], Ct);
        Assert.True(withoutExport.Valid); // a clean truncation leaves a consistent prefix: only an anchor kept elsewhere can tell
        Assert.False(withExport.Valid);
        Assert.Contains("deleted from the end", withExport.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WithAForgedAnchor_Fails()
    {
        await ResetAsync();
        await AppendAsync(2);
        var anchor = await Chain.AnchorAsync("alice", Ct);

        var forged = anchor with { Mac = new string('0', 64) };
        var rewritten = anchor with { Hash = new string('a', 64) };

        Assert.Contains("invalid signature", (await Chain.VerifyAsync([forged], Ct)).Problem, StringComparison.Ordinal);
        Assert.Contains("invalid signature", (await Chain.VerifyAsync([rewritten], Ct)).Problem, StringComparison.Ordinal);
        Assert.True((await Chain.VerifyAsync([AuditAnchor.FromJsonLine(anchor.ToJsonLine())!], Ct)).Valid);
    }

    [Fact]
    public async Task Export_WritesOneJsonObjectPerRecord_WithItsHash()
    {
        await ResetAsync();
        await AppendAsync(3);
        using var output = new StringWriter();

        var count = await Chain.ExportAsync(null, output, Ct);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, count);
        Assert.Equal(3, lines.Length);
        var first = JsonNode.Parse(lines[0])!;
        Assert.Equal(1, first["sequence"]!.GetValue<long>());
        Assert.Equal(AuditChain.GenesisHash, first["prevHash"]!.GetValue<string>());
        Assert.Equal(first["hash"]!.GetValue<string>(), JsonNode.Parse(lines[1])!["prevHash"]!.GetValue<string>());
    }

    [Fact]
    public async Task AFailedAuditWrite_AbortsTheActionItRecords()
    {
        await ResetAsync();
        var installation = Some.InstallationId();
        await using var db = Fixture.CreateContext();
        db.Installations.Add(new Entities.InstallationEntity
        {
            Id = installation,
            CloudId = "c",
            SiteUrl = new Uri("https://acme.atlassian.net"),
            ApiBaseUrl = new Uri("https://api.atlassian.com/ex/jira/x"),
            AppVersion = "1",
            Environment = "PRODUCTION",
            InstalledAt = Fixture.Time.GetUtcNow(),
            UpdatedAt = Fixture.Time.GetUtcNow(),
        });
        var audit = AuditLog.Add(db, Fixture.Time.GetUtcNow(), "alice", "test.action", installation, new JsonObject());
        audit.Actor = null!; // NOT NULL: the audit insert fails

        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(Ct));

        await using var check = Fixture.CreateContext();
        Assert.False(await check.Installations.AnyAsync(i => i.Id == installation, Ct));
    }

    private async Task ResetAsync() => await SqlAsync("DELETE FROM audit_events");

    private async Task<List<long>> AppendAsync(int count)
    {
        var ids = new List<long>();
        for (var i = 0; i < count; i++)
        {
            await using var db = Fixture.CreateContext();
            var entity = AuditLog.Add(db, Fixture.Time.GetUtcNow(), "alice", "test.append", $"item-{i}", new JsonObject { ["i"] = i });
            await db.SaveChangesAsync(Ct);
            ids.Add(entity.Id);
        }

        return ids;
    }

    private string TimeLiteral() => Fixture.Provider == StorageProvider.Sqlite
        ? Fixture.Time.GetUtcNow().UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : "now()";

    private async Task SqlAsync(string sql)
    {
        await using var db = Fixture.CreateContext();
#pragma warning disable EF1002 // test-only tampering with fixed values
        await db.Database.ExecuteSqlRawAsync(sql.Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal), Ct);
#pragma warning restore EF1002
    }
}

public sealed class SqliteAuditChainTests(SqliteStorageFixture fixture) : AuditChainContractTests<SqliteStorageFixture>(fixture);

public sealed class PostgreSqlAuditChainTests(PostgreSqlStorageFixture fixture) : AuditChainContractTests<PostgreSqlStorageFixture>(fixture);
