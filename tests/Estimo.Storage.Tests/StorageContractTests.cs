using System.Text;
using Estimo.Core.Installations;
using Estimo.Storage.Installations;
using Estimo.Storage.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Estimo.Storage.Tests;

/// <summary>
/// The behaviour every provider must have. Each provider runs the whole class through its
/// own fixture (SQLite: <see cref="SqliteStorageTests"/>; PostgreSQL: <see cref="PostgreSqlStorageTests"/>).
/// </summary>
public abstract class StorageContractTests<TFixture> : IClassFixture<TFixture>
    where TFixture : StorageFixture
{
    protected StorageContractTests(TFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        Fixture = fixture;
        Fixture.EnsureAvailable();
    }

    protected TFixture Fixture { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IInstallationStore Installations => Fixture.Get<IInstallationStore>();

    private ISystemTokenCache Tokens => Fixture.Get<ISystemTokenCache>();

    [Fact]
    public async Task RecordInstalled_NewInstallation_IsCreatedActive()
    {
        var registration = Some.Registration();

        var change = await Installations.RecordInstalledAsync(registration, Ct);

        Assert.Equal(InstallationChange.Created, change);
        var stored = await Installations.FindAsync(registration.InstallationId, Ct);
        Assert.NotNull(stored);
        Assert.Equal(registration.CloudId, stored.CloudId);
        Assert.Equal(registration.SiteUrl, stored.SiteUrl);
        Assert.Equal(registration.ApiBaseUrl, stored.ApiBaseUrl);
        Assert.Equal(registration.AppVersion, stored.AppVersion);
        Assert.Equal(registration.Environment, stored.Environment);
        Assert.Equal(registration.OccurredAt, stored.InstalledAt);
        Assert.Null(stored.UpgradedAt);
        Assert.Equal(InstallationStatus.Active, stored.Status);
    }

    [Fact]
    public async Task RecordInstalled_SameEventTwice_IsUnchanged()
    {
        var registration = Some.Registration();
        await Installations.RecordInstalledAsync(registration, Ct);

        var change = await Installations.RecordInstalledAsync(registration, Ct);

        Assert.Equal(InstallationChange.Unchanged, change);
    }

    [Fact]
    public async Task RecordInstalled_WithNewSiteFacts_IsUpdatedAndKeepsFirstInstallTime()
    {
        var first = Some.Registration();
        await Installations.RecordInstalledAsync(first, Ct);
        var again = first with { SiteUrl = new Uri("https://renamed.atlassian.net"), AppVersion = "1.1.0", OccurredAt = first.OccurredAt.AddDays(1) };

        var change = await Installations.RecordInstalledAsync(again, Ct);

        Assert.Equal(InstallationChange.Updated, change);
        var stored = await Installations.FindAsync(first.InstallationId, Ct);
        Assert.Equal(again.SiteUrl, stored!.SiteUrl);
        Assert.Equal("1.1.0", stored.AppVersion);
        Assert.Equal(first.OccurredAt, stored.InstalledAt);
    }

    [Fact]
    public async Task RecordInstalled_AfterUninstalled_Reactivates()
    {
        var registration = Some.Registration();
        await Installations.RecordInstalledAsync(registration, Ct);
        await using (var db = Fixture.CreateContext())
        {
            var row = await db.Installations.SingleAsync(i => i.Id == registration.InstallationId, Ct);
            row.Status = InstallationStatus.Uninstalled;
            await db.SaveChangesAsync(Ct);
        }

        var change = await Installations.RecordInstalledAsync(registration, Ct);

        Assert.Equal(InstallationChange.Updated, change);
        Assert.Equal(InstallationStatus.Active, (await Installations.FindAsync(registration.InstallationId, Ct))!.Status);
    }

    [Fact]
    public async Task RecordUpgraded_UnknownInstallation_CreatesIt()
    {
        var registration = Some.Registration();

        var change = await Installations.RecordUpgradedAsync(registration, Ct);

        Assert.Equal(InstallationChange.Created, change);
        var stored = await Installations.FindAsync(registration.InstallationId, Ct);
        Assert.Equal(InstallationStatus.Active, stored!.Status);
        Assert.Equal(registration.OccurredAt, stored.UpgradedAt);
    }

    [Fact]
    public async Task RecordUpgraded_SameEventTwice_IsUnchanged()
    {
        var registration = Some.Registration();
        await Installations.RecordInstalledAsync(registration, Ct);
        var upgrade = registration with { AppVersion = "2.0.0", OccurredAt = registration.OccurredAt.AddHours(1) };

        var first = await Installations.RecordUpgradedAsync(upgrade, Ct);
        var second = await Installations.RecordUpgradedAsync(upgrade, Ct);

        Assert.Equal(InstallationChange.Updated, first);
        Assert.Equal(InstallationChange.Unchanged, second);
        Assert.Equal(upgrade.OccurredAt, (await Installations.FindAsync(registration.InstallationId, Ct))!.UpgradedAt);
    }

    [Fact]
    public async Task RecordUpgraded_OlderRetryAfterNewer_KeepsLatestUpgradeTime()
    {
        var registration = Some.Registration();
        var newer = registration with { OccurredAt = registration.OccurredAt.AddHours(2) };
        await Installations.RecordUpgradedAsync(newer, Ct);

        var change = await Installations.RecordUpgradedAsync(registration, Ct);

        Assert.Equal(InstallationChange.Unchanged, change);
        Assert.Equal(newer.OccurredAt, (await Installations.FindAsync(registration.InstallationId, Ct))!.UpgradedAt);
    }

    [Fact]
    public async Task RecordInstalled_ConcurrentDuplicates_CreateOnceAndNeverFail()
    {
        var registration = Some.Registration();

        var changes = await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(_ => Task.Run(() => Installations.RecordInstalledAsync(registration, Ct), Ct)));

        Assert.Single(changes, c => c == InstallationChange.Created);
        Assert.All(changes.Where(c => c != InstallationChange.Created), c => Assert.Equal(InstallationChange.Unchanged, c));
        Assert.NotNull(await Installations.FindAsync(registration.InstallationId, Ct));
    }

    [Fact]
    public async Task Find_UnknownInstallation_ReturnsNull()
    {
        Assert.Null(await Installations.FindAsync(Some.InstallationId(), Ct));
    }

    [Fact]
    public async Task Instants_WithAnyOffset_ComeBackAsTheSameInstantToTheMicrosecond()
    {
        var occurredAt = new DateTimeOffset(2026, 3, 1, 23, 30, 15, TimeSpan.FromHours(5)).AddTicks(1_234_567);
        var registration = Some.Registration(occurredAt: occurredAt);

        await Installations.RecordInstalledAsync(registration, Ct);

        var installedAt = (await Installations.FindAsync(registration.InstallationId, Ct))!.InstalledAt;
        Assert.Equal(occurredAt.UtcTicks - (occurredAt.UtcTicks % 10), installedAt.UtcTicks);
        Assert.Equal(TimeSpan.Zero, installedAt.Offset);
    }

    [Fact]
    public async Task SystemToken_Stored_IsFoundUntilItExpires()
    {
        var installationId = await InstalledAsync();
        var token = Some.Token();
        await Tokens.StoreAsync(installationId, token, Fixture.Time.GetUtcNow().AddMinutes(10), Ct);

        Assert.Equal(token, await Tokens.FindValidAsync(installationId, Ct));

        Fixture.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Null(await Tokens.FindValidAsync(installationId, Ct));
    }

    [Fact]
    public async Task SystemToken_StoredAgain_ReplacesTheOldOne()
    {
        var installationId = await InstalledAsync();
        await Tokens.StoreAsync(installationId, Some.Token(), Fixture.Time.GetUtcNow().AddMinutes(10), Ct);
        var latest = Some.Token();

        await Tokens.StoreAsync(installationId, latest, Fixture.Time.GetUtcNow().AddMinutes(20), Ct);

        Assert.Equal(latest, await Tokens.FindValidAsync(installationId, Ct));
    }

    [Fact]
    public async Task SystemToken_StoredConcurrently_NeverFailsAndKeepsOneOfThem()
    {
        var installationId = await InstalledAsync();
        var tokens = Enumerable.Range(0, 8).Select(_ => Some.Token()).ToList();

        await Task.WhenAll(tokens.Select(token =>
            Task.Run(() => Tokens.StoreAsync(installationId, token, Fixture.Time.GetUtcNow().AddMinutes(10), Ct), Ct)));

        Assert.Contains(await Tokens.FindValidAsync(installationId, Ct), tokens);
    }

    [Fact]
    public async Task SystemToken_NeverStored_IsNull()
    {
        Assert.Null(await Tokens.FindValidAsync(await InstalledAsync(), Ct));
    }

    [Fact]
    public async Task SystemToken_ForUnknownInstallation_ThrowsUnknownInstallation()
    {
        var installationId = Some.InstallationId();

        var exception = await Assert.ThrowsAsync<UnknownInstallationException>(
            () => Tokens.StoreAsync(installationId, Some.Token(), Fixture.Time.GetUtcNow().AddMinutes(10), Ct));

        Assert.Equal(installationId, exception.InstallationId);
    }

    [Fact]
    public async Task SystemToken_CopiedToAnotherInstallationsRow_DoesNotOpen()
    {
        var victim = await InstalledAsync();
        var attacker = await InstalledAsync();
        await Tokens.StoreAsync(victim, Some.Token(), Fixture.Time.GetUtcNow().AddMinutes(10), Ct);
        await Tokens.StoreAsync(attacker, Some.Token(), Fixture.Time.GetUtcNow().AddMinutes(10), Ct);
        await using (var db = Fixture.CreateContext())
        {
            var victimRow = await db.SystemTokens.SingleAsync(t => t.InstallationId == victim, Ct);
            var attackerRow = await db.SystemTokens.SingleAsync(t => t.InstallationId == attacker, Ct);
            attackerRow.SealedToken = victimRow.SealedToken;
            await db.SaveChangesAsync(Ct);
        }

        Assert.Null(await Tokens.FindValidAsync(attacker, Ct));
    }

    [Fact]
    public async Task SystemToken_AtRest_NeverAppearsInPlaintext()
    {
        var installationId = await InstalledAsync();
        var token = Some.Token();
        await Tokens.StoreAsync(installationId, token, Fixture.Time.GetUtcNow().AddMinutes(10), Ct);

        var raw = await Fixture.ReadRawDataAsync(Ct);

        Assert.True(raw.Length > 0);
        Assert.Equal(-1, raw.AsSpan().IndexOf(Encoding.UTF8.GetBytes(token)));
        Assert.Equal(-1, raw.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Convert.ToHexStringLower(Encoding.UTF8.GetBytes(token)))));
        // The installation id itself is stored in clear: proves the dump did read the data.
        Assert.NotEqual(-1, raw.AsSpan().IndexOf(Encoding.UTF8.GetBytes(installationId)));
    }

    [Fact]
    public async Task DeletingAnInstallation_DeletesItsSystemToken()
    {
        var installationId = await InstalledAsync();
        await Tokens.StoreAsync(installationId, Some.Token(), Fixture.Time.GetUtcNow().AddMinutes(10), Ct);

        await using (var db = Fixture.CreateContext())
        {
            await db.Installations.Where(i => i.Id == installationId).ExecuteDeleteAsync(Ct);
        }

        await using var check = Fixture.CreateContext();
        Assert.False(await check.SystemTokens.AnyAsync(t => t.InstallationId == installationId, Ct));
    }

    [Fact]
    public async Task Migrate_FreshDatabase_LeavesNoPendingMigrations()
    {
        var migrator = Fixture.Get<IDatabaseMigrator>();

        Assert.True(Fixture.StatusBeforeMigration!.IsBehind);
        Assert.Empty(await migrator.GetPendingMigrationsAsync(Ct));
        var status = await migrator.GetSchemaStatusAsync(Ct);
        Assert.True(status.IsUpToDate);
        Assert.NotEmpty(status.Applied);
    }

    [Fact]
    public async Task Migrate_Twice_IsHarmless()
    {
        await Fixture.Get<IDatabaseMigrator>().MigrateAsync(Ct);

        Assert.Empty(await Fixture.Get<IDatabaseMigrator>().GetPendingMigrationsAsync(Ct));
    }

    [Fact]
    public async Task Model_HasNoChangesMissingFromTheMigrations()
    {
        await using var db = Fixture.CreateContext();

        Assert.False(db.Database.HasPendingModelChanges(), $"Add a migration for {Fixture.Provider} (see docs/storage.md).");
    }

    [Fact]
    public async Task CanConnect_WhenTheDatabaseIsUp_IsTrue()
    {
        Assert.True(await Fixture.Get<IStorageHealth>().CanConnectAsync(Ct));
    }

    private async Task<string> InstalledAsync()
    {
        var registration = Some.Registration();
        await Installations.RecordInstalledAsync(registration, Ct);
        return registration.InstallationId;
    }
}

/// <summary>The storage contract on SQLite.</summary>
public sealed class SqliteStorageTests(SqliteStorageFixture fixture) : StorageContractTests<SqliteStorageFixture>(fixture);

/// <summary>The storage contract on a real PostgreSQL (see <see cref="PostgreSqlStorageFixture"/>).</summary>
public sealed class PostgreSqlStorageTests(PostgreSqlStorageFixture fixture) : StorageContractTests<PostgreSqlStorageFixture>(fixture);
