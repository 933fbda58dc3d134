using System.Text;
using Estimo.Core.Installations;
using Estimo.Core.Security;
using Estimo.Storage.Security;
using Estimo.Storage.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Estimo.Storage.Tests.Security;

/// <summary>
/// KEK and DEK rotation through <see cref="KeyMaintenance"/> on a real database of each
/// provider: nothing lost, everything audited, unsafe retirements refused.
/// </summary>
public abstract class KeyRotationContractTests<TFixture> : IClassFixture<TFixture>
    where TFixture : StorageFixture
{
    protected KeyRotationContractTests(TFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        Fixture = fixture;
        Fixture.EnsureAvailable();
    }

    protected TFixture Fixture { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ISecretProtector Protector => Fixture.Get<ISecretProtector>();

    private KeyMaintenance Keys => Fixture.Get<KeyMaintenance>();

    [Fact]
    public async Task Rewrap_AfterANewPrimaryKek_MovesEveryDataKey_ThenTheOldKekCanBeRetired()
    {
        var values = await SealSomeAsync(3);
        var oldPrimary = Keys.Provider.PrimaryKekId;

        var newPrimary = await Keys.AddKekAsync("alice", makePrimary: true, Ct);
        var refused = await Assert.ThrowsAsync<KeyMaintenanceException>(() => Keys.RetireKekAsync("alice", oldPrimary, Ct));
        var rewrap = await Keys.RewrapAsync("alice", batchSize: 2, report: null, Ct);
        var retired = await Keys.RetireKekAsync("alice", oldPrimary, Ct);

        Assert.Contains("still wraps", refused.Message, StringComparison.Ordinal);
        Assert.Equal(newPrimary, Keys.Provider.PrimaryKekId);
        Assert.True(rewrap.Rewrapped >= 3);
        Assert.True(retired.RemovedFromKeyring);
        Assert.DoesNotContain(oldPrimary, ((LocalKeyProvider)Keys.Provider).KekIds);
        await using var db = Fixture.CreateContext();
        Assert.False(await db.InstallationKeys.AnyAsync(k => k.KekId == oldPrimary, Ct));
        await AssertAllOpenAsync(values, fresh: true);
        var actions = await db.AuditEvents.Where(a => a.Actor == "alice").OrderBy(a => a.Id).Select(a => a.Action).ToListAsync(Ct);
        Assert.Equal(["keys.add-kek", "keys.rewrap.started", "keys.rewrap.completed", "keys.retire-kek"], actions);
    }

    [Fact]
    public async Task RetireKek_ThePrimary_IsRefused()
    {
        await SealSomeAsync(1);

        var exception = await Assert.ThrowsAsync<KeyMaintenanceException>(() => Keys.RetireKekAsync("bob", Keys.Provider.PrimaryKekId, Ct));

        Assert.Contains("primary", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RotateDataKeys_OneInstallation_ReencryptsItsValues_AndDeletesTheOldVersionOnlyAfterTheGrace()
    {
        var values = await SealSomeAsync(5, sameInstallation: true);
        var installation = values[0].Binding.InstallationId;
        Fixture.Time.Advance(TimeSpan.FromSeconds(1));

        var first = await Keys.RotateDataKeysAsync("carol", installation, batchSize: 2, report: null, Ct);
        var sealedNow = await ReadSealedAsync(installation);
        Fixture.Time.Advance(TimeSpan.FromMinutes(6));
        var second = await Keys.RotateDataKeysAsync("carol", installation, batchSize: 2, report: null, Ct);
        var third = await Keys.RotateDataKeysAsync("carol", installation, batchSize: 2, report: null, Ct);

        Assert.Equal((1, 1, 5, 0, 1), (first.Installations, first.NewKeys, first.Reencrypted, first.DeletedKeys, first.KeptKeys));
        Assert.False(first.Finished);
        Assert.All(sealedNow, v => Assert.Equal([0, 0, 0, 2], v[(2 + v[1])..(6 + v[1])]));
        Assert.Equal((true, 0, 0, 1), (second.Resumed, second.NewKeys, second.Reencrypted, second.DeletedKeys));
        Assert.True(second.Finished);
        Assert.Equal((false, 1), (third.Resumed, third.NewKeys));
        await AssertAllOpenAsync(values, fresh: true);
        await using var db = Fixture.CreateContext();
        Assert.Equal([2, 3], await db.InstallationKeys.Where(k => k.InstallationId == installation).OrderBy(k => k.Version).Select(k => k.Version).ToListAsync(Ct));
        var completed = await db.AuditEvents.Where(a => a.Action == "keys.rotate-dek.completed" && a.Subject == installation).CountAsync(Ct);
        Assert.Equal(1, completed);
    }

    [Fact]
    public async Task RotateDataKeys_ValueUnderAnOldVersion_StillOpensBeforeItIsReencrypted()
    {
        var values = await SealSomeAsync(1, sameInstallation: true);
        Fixture.Time.Advance(TimeSpan.FromSeconds(1));
        await Keys.RotateDataKeysAsync("dave", values[0].Binding.InstallationId, batchSize: 10, report: null, Ct);

        // The value sealed under version 1 was never stored in a table the rotation scans.
        await AssertAllOpenAsync(values, fresh: true);
    }

    [Fact]
    public async Task Shred_WhenTheAuditWriteFails_DestroysNothing()
    {
        var values = await SealSomeAsync(1);
        var installation = values[0].Binding.InstallationId;
        await using (var db = Fixture.CreateContext())
        {
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE audit_events RENAME TO audit_events_offline", Ct);
        }

        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => Keys.ShredAsync("erin", installation, Ct));
            await Assert.ThrowsAnyAsync<Exception>(() => Keys.RotateDataKeysAsync("erin", installation, 10, null, Ct));
        }
        finally
        {
            await using var db = Fixture.CreateContext();
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE audit_events_offline RENAME TO audit_events", Ct);
        }

        await AssertAllOpenAsync(values, fresh: true);
        await using var check = Fixture.CreateContext();
        Assert.Equal([1], await check.InstallationKeys.Where(k => k.InstallationId == installation && k.RetiredAt == null).Select(k => k.Version).ToListAsync(Ct));
    }

    private async Task<List<(SecretBinding Binding, byte[] Plaintext, byte[] Sealed)>> SealSomeAsync(int count, bool sameInstallation = false)
    {
        var result = new List<(SecretBinding, byte[], byte[])>();
        string? installation = null;
        for (var i = 0; i < count; i++)
        {
            installation = sameInstallation && installation is not null ? installation : await InstalledAsync();
            var token = Some.Token();
            var sessionless = new SecretBinding("notes", "body", Guid.NewGuid().ToString("N"), installation);
            var plaintext = Encoding.UTF8.GetBytes(token);
            result.Add((sessionless, plaintext, await Protector.ProtectAsync(plaintext, sessionless, Ct)));
            await using var db = Fixture.CreateContext();
            db.PokerSessions.Add(new Entities.PokerSessionEntity
            {
                Id = Guid.NewGuid().ToString("N"),
                InstallationId = installation,
                ProjectKey = "EST",
                EstimationFieldId = "customfield_10016",
                FacilitatorAccountId = "f",
                SealedState = [],
            });
            var row = db.ChangeTracker.Entries<Entities.PokerSessionEntity>().Single().Entity;
            var binding = Sessions.EfPokerSessionStore.Binding(installation, row.Id);
            row.SealedState = await Protector.ProtectAsync(plaintext, binding, Ct);
            await db.SaveChangesAsync(Ct);
        }

        return result;
    }

    private async Task<List<byte[]>> ReadSealedAsync(string installation)
    {
        await using var db = Fixture.CreateContext();
        return await db.PokerSessions.Where(s => s.InstallationId == installation).Select(s => s.SealedState).ToListAsync(Ct);
    }

    private async Task AssertAllOpenAsync(List<(SecretBinding Binding, byte[] Plaintext, byte[] Sealed)> values, bool fresh)
    {
        if (fresh)
        {
            foreach (var installation in values.Select(v => v.Binding.InstallationId).Distinct())
            {
                Fixture.Get<DataKeyRing>().Forget(installation, Enumerable.Range(1, 10));
            }
        }

        foreach (var installation in values.Select(v => v.Binding.InstallationId).Distinct())
        {
            await using var db = Fixture.CreateContext();
            var rows = await db.PokerSessions.Where(s => s.InstallationId == installation).ToListAsync(Ct);
            var opened = new List<string>();
            foreach (var row in rows)
            {
                opened.Add(Encoding.UTF8.GetString(await Protector.UnprotectAsync(row.SealedState, Sessions.EfPokerSessionStore.Binding(installation, row.Id), Ct)));
            }

            Assert.Equal(
                values.Where(v => v.Binding.InstallationId == installation).Select(v => Encoding.UTF8.GetString(v.Plaintext)).Order(),
                opened.Order());
        }
    }

    private async Task<string> InstalledAsync()
    {
        var registration = Some.Registration();
        await Fixture.Get<IInstallationStore>().RecordInstalledAsync(registration, Ct);
        return registration.InstallationId;
    }
}

public sealed class SqliteKeyRotationTests(SqliteStorageFixture fixture) : KeyRotationContractTests<SqliteStorageFixture>(fixture);

public sealed class PostgreSqlKeyRotationTests(PostgreSqlStorageFixture fixture) : KeyRotationContractTests<PostgreSqlStorageFixture>(fixture);
