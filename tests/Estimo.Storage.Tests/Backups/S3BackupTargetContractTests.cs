using Amazon.Runtime;
using Estimo.Storage.Backups;
using Estimo.Storage.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Estimo.Storage.Tests.Backups;

/// <summary>
/// The S3 backup target through the real AWS SDK against <see cref="FakeS3Server"/>: a
/// <b>contract test</b> of the calls and headers Estimo uses (PutObject with SSE-KMS,
/// ListObjectsV2, GetObject, DeleteObject, S3's error format, Object Lock headers on audit
/// anchors and the checksum S3 requires with them), not a test of S3 itself.
/// </summary>
public sealed class S3BackupTargetContractTests : IAsyncLifetime
{
    private const string KmsKey = "arn:aws:kms:ap-southeast-2:123456789012:key/11111111-2222-3333-4444-555555555555";

    private readonly SqliteStorageFixture _fixture = new();
    private FakeS3Server _s3 = null!;
    private S3BackupTarget _target = null!;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 3, 17, 42, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _fixture.InitializeAsync();
        _s3 = await FakeS3Server.StartAsync();
        _target = Target(retention: null);
    }

    private S3BackupTarget Target(TimeSpan? retention)
    {
        var options = new S3BackupOptions { Bucket = "estimo-backups", Region = "ap-southeast-2", KmsKeyId = KmsKey, ServiceUrl = _s3.Url, ForcePathStyle = true };
        if (retention is { } value)
        {
            options.AnchorRetention = value;
        }

        return new S3BackupTarget(options, _fixture.BackupDirectory, new BasicAWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), _time);
    }

    public async ValueTask DisposeAsync()
    {
        _target.Dispose();
        await _s3.DisposeAsync();
        await _fixture.DisposeAsync();
    }

    [Fact]
    public async Task Backup_List_Verify_Restore_Retention_ThroughS3_WithSseKmsOnEveryObject()
    {
        await BackupTestData.SeedAsync(_fixture, 2, 3, Ct);
        var backups = BackupContractTests<SqliteStorageFixture>.BuildService(_fixture, target: _target);

        var backup = await backups.BackupAsync("alice", null, Ct);
        var listed = await backups.ListAsync(Ct);
        var verified = await backups.VerifyAsync(backup.Id, Ct);
        var dryRun = await backups.RestoreAsync(backup.Id, "alice", dryRun: true, forceNonEmpty: false, Ct);
        var drill = await backups.DrillAsync(backup.Id, "alice", Ct);

        Assert.Equal([backup.Id], listed.Select(b => b.Id));
        Assert.Equal(6, verified.Manifest.Tables["poker_sessions"]);
        Assert.True(dryRun.CountsMatch);
        Assert.True(drill.Succeeded, drill.Reason);
        Assert.Contains($"estimo-backups/backups/{backup.Id}.estimo-backup", _s3.Objects.Keys);
        Assert.Contains("estimo-backups/key-escrow/key-escrow.estimo-escrow", _s3.Objects.Keys);
        Assert.Equal(2, _s3.Puts.Count);
        Assert.All(_s3.Puts, put =>
        {
            Assert.Equal("aws:kms", put.Sse);
            Assert.Equal(KmsKey, put.KmsKeyId);
        });
        Assert.Empty(Directory.EnumerateFiles(_fixture.BackupDirectory)); // uploads and downloads are not left behind

        // Retention deletes through DeleteObject: October's first backup stays (monthly), its second goes.
        _s3.Objects["estimo-backups/backups/estimo-20261001T030000Z.estimo-backup"] = [1];
        _s3.Objects["estimo-backups/backups/estimo-20261002T030000Z.estimo-backup"] = [1];
        var deleted = await backups.ApplyRetentionAsync("alice", Ct);
        Assert.Equal(["estimo-20261002T030000Z"], deleted);
        Assert.DoesNotContain("estimo-backups/backups/estimo-20261002T030000Z.estimo-backup", _s3.Objects.Keys);
        Assert.Contains("estimo-backups/backups/estimo-20261001T030000Z.estimo-backup", _s3.Objects.Keys);
    }

    [Fact]
    public async Task AuditAnchors_AreSmallSseKmsObjectsUnderTheirOwnPrefix_ThatBackupListingNeverSees()
    {
        var anchor = new Estimo.Storage.Security.AuditAnchor(42, new string('b', 64), "local-1", "d3JhcHBlZA==", new string('c', 64));

        await _target.PutAnchorAsync(anchor, Ct);
        _s3.Objects["estimo-backups/audit-anchors/00000000000000000007.json"] = "not an anchor"u8.ToArray();
        var read = await _target.ReadAnchorsAsync(Ct);
        var listed = await _target.ListAsync(Ct);

        Assert.Contains("estimo-backups/audit-anchors/00000000000000000042.json", _s3.Objects.Keys);
        var put = Assert.Single(_s3.Puts);
        Assert.Equal(("audit-anchors/00000000000000000042.json", "aws:kms", KmsKey), (put.Key, put.Sse, put.KmsKeyId));
        Assert.True(await _target.HasAnchorAsync(42, Ct));
        Assert.False(await _target.HasAnchorAsync(4, Ct));
        Assert.Equal(["00000000000000000007.json", "00000000000000000042.json"], read.Select(r => r.Name));
        Assert.Null(read[0].Anchor);
        Assert.Equal(anchor, read[1].Anchor);
        Assert.Empty(listed);
        Assert.Equal("s3://estimo-backups/audit-anchors/", _target.AnchorsDescription);
    }

    [Theory]
    [InlineData("PUT", 403, "AccessDenied")]
    [InlineData("PUT", 400, "KMS.DisabledException")]
    [InlineData("GET", 500, "InternalError")]
    public async Task AnS3Error_IsOneClearMessage_AndLeavesNoBackupBehind(string method, int status, string code)
    {
        await BackupTestData.SeedAsync(_fixture, 1, 1, Ct);
        var backups = BackupContractTests<SqliteStorageFixture>.BuildService(_fixture, target: _target);
        _s3.FailWith = (method, status, code);

        var failed = await Assert.ThrowsAnyAsync<BackupException>(() => backups.BackupAsync("alice", null, Ct));

        Assert.Contains("S3 ", failed.Message, StringComparison.Ordinal);
        Assert.Contains(code, failed.Message, StringComparison.Ordinal);
        Assert.Contains("estimo-backups", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', failed.Message);
        Assert.DoesNotContain(_s3.Objects.Keys, k => k.EndsWith(".estimo-backup", StringComparison.Ordinal));
        Assert.Empty(Directory.Exists(_fixture.BackupDirectory) ? Directory.EnumerateFiles(_fixture.BackupDirectory) : []);
    }

    [Fact]
    public async Task AMissingBackup_IsReportedAsMissing()
    {
        var backups = BackupContractTests<SqliteStorageFixture>.BuildService(_fixture, target: _target);

        var missing = await Assert.ThrowsAsync<BackupException>(() => backups.VerifyAsync("estimo-20260101T030000Z", Ct));

        Assert.Contains("does not exist in s3://estimo-backups/backups/", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, 400)]
    [InlineData(30, 30)]
    public async Task AnAnchorPut_IsLockedInComplianceMode_UntilNowPlusTheRetention_AndCarriesACrc32Checksum(int? configuredDays, int expectedDays)
    {
        using var configured = configuredDays is { } days ? Target(TimeSpan.FromDays(days)) : null;
        var target = configured ?? _target;
        var anchor = new Estimo.Storage.Security.AuditAnchor(42, new string('b', 64), "local-1", "d3JhcHBlZA==", new string('c', 64));

        await target.PutAnchorAsync(anchor, Ct);

        var put = Assert.Single(_s3.PutRequests);
        Assert.Equal("audit-anchors/00000000000000000042.json", put.Key);
        Assert.Equal("COMPLIANCE", put.ObjectLockMode);
        Assert.Equal(_time.GetUtcNow().AddDays(expectedDays), put.ObjectLockRetainUntil!.Value, TimeSpan.FromSeconds(1));
        Assert.Equal(FakeS3Server.Crc32Of(_s3.Objects["estimo-backups/" + put.Key]), put.Checksums["x-amz-checksum-crc32"]); // the fake also rejects a wrong one
        Assert.False(put.Headers.ContainsKey("x-amz-object-lock-legal-hold"));
    }

    [Fact]
    public async Task BackupAndEscrowPuts_CarryNoObjectLock_SoRetentionAndPurgeCanDeleteThem()
    {
        await BackupTestData.SeedAsync(_fixture, 1, 2, Ct);
        var backups = BackupContractTests<SqliteStorageFixture>.BuildService(_fixture, target: _target);

        await backups.BackupAsync("alice", null, Ct);

        Assert.Equal(2, _s3.PutRequests.Count);
        Assert.Contains(_s3.PutRequests, p => p.Key.StartsWith("backups/", StringComparison.Ordinal));
        Assert.Contains(_s3.PutRequests, p => p.Key == "key-escrow/key-escrow.estimo-escrow");
        Assert.All(_s3.PutRequests, p => Assert.DoesNotContain(p.Headers.Keys, h => h.StartsWith("x-amz-object-lock-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ABucketWithoutObjectLock_RefusesTheAnchor_AsOneClearError_WhileBackupsStillWork()
    {
        _s3.ObjectLockEnabled = false;
        await BackupTestData.SeedAsync(_fixture, 1, 1, Ct);
        var backups = BackupContractTests<SqliteStorageFixture>.BuildService(_fixture, target: _target);
        var anchor = new Estimo.Storage.Security.AuditAnchor(7, new string('b', 64), "local-1", "d3JhcHBlZA==", new string('c', 64));

        var refused = await Assert.ThrowsAsync<AuditAnchorRetentionException>(() => _target.PutAnchorAsync(anchor, Ct));
        var backup = await backups.BackupAsync("alice", null, Ct);

        Assert.Equal(
            "S3 PutObject of audit anchor audit-anchors/00000000000000000007.json on bucket estimo-backups was refused: InvalidRequest (HTTP 400, \"Bucket is missing Object Lock Configuration\"). "
            + "Anchors are written with Object Lock (COMPLIANCE); the bucket must be created with Object Lock enabled (see docs/access.md).",
            refused.Message);
        Assert.IsAssignableFrom<BackupException>(refused);
        Assert.DoesNotContain(_s3.Objects.Keys, k => k.Contains("audit-anchors/", StringComparison.Ordinal));
        Assert.False(await _target.HasAnchorAsync(7, Ct));
        Assert.Contains($"estimo-backups/backups/{backup.Id}.estimo-backup", _s3.Objects.Keys);
    }

    [Fact]
    public async Task AnAnchorPutWithoutAChecksum_WouldBeRefusedByS3_TheFakeEnforcesIt()
    {
        // Guards the guard: the fake must refuse an Object Lock PUT that has no checksum,
        // otherwise the checksum assertion above proves less than it claims.
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(_s3.Url, "estimo-backups/audit-anchors/x.json")) { Content = new ByteArrayContent("{}"u8.ToArray()) };
        request.Headers.Add("x-amz-object-lock-mode", "COMPLIANCE");
        request.Headers.Add("x-amz-object-lock-retain-until-date", "2027-01-01T00:00:00Z");

        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("<Code>InvalidRequest</Code>", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Empty(_s3.Objects);
    }
}
