using Estimo.Storage.Backups;
using Estimo.Storage.Security;
using Estimo.Storage.Tests.Support;

namespace Estimo.Storage.Tests.Backups;

/// <summary>
/// Backups are provider-neutral: a SQLite backup restores into PostgreSQL, and a PostgreSQL
/// backup into SQLite, row for row (instants travel as UTC ticks).
/// </summary>
public sealed class CrossProviderBackupTests : IAsyncLifetime
{
    private readonly SqliteStorageFixture _sqlite = new();
    private readonly PostgreSqlStorageFixture _postgres = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _sqlite.InitializeAsync();
        await _postgres.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _postgres.DisposeAsync();
        await _sqlite.DisposeAsync();
    }

    [Fact]
    public async Task ASqliteBackup_RestoresIntoPostgreSql_AndBack_RowForRow()
    {
        _postgres.EnsureAvailable();
        await BackupTestData.SeedAsync(_sqlite, 2, 3, Ct);
        var original = await BackupTestData.DumpAsync(_sqlite, Ct);

        // One target and one key provider for both databases, as when moving an installation.
        var keys = _sqlite.Get<IKeyEncryptionProvider>();
        var target = _sqlite.Get<IBackupTarget>();
        var fromSqlite = await BackupContractTests<SqliteStorageFixture>.BuildService(_sqlite).BackupAsync("alice", null, Ct);
        var intoPostgres = BackupContractTests<PostgreSqlStorageFixture>.BuildService(_postgres, target, keys);
        var report = await intoPostgres.RestoreAsync(fromSqlite.Id, "alice", dryRun: false, forceNonEmpty: false, Ct);
        var inPostgres = await BackupTestData.DumpAsync(_postgres, Ct);

        _postgres.Time.Advance(TimeSpan.FromSeconds(2));
        var fromPostgres = await intoPostgres.BackupAsync("alice", null, Ct);
        await BackupTestData.WipeAsync(_sqlite, Ct);
        var backIntoSqlite = await BackupContractTests<SqliteStorageFixture>.BuildService(_sqlite).RestoreAsync(fromPostgres.Id, "alice", false, false, Ct);
        var inSqlite = await BackupTestData.DumpAsync(_sqlite, Ct);

        Assert.True(report.CountsMatch);
        Assert.True(backIntoSqlite.CountsMatch);
        foreach (var table in original.Keys.Where(t => t != "audit_events"))
        {
            Assert.Equal(original[table], inPostgres[table]);
            Assert.Equal(original[table], inSqlite[table]);
        }

        Assert.Equal("Sqlite", (await intoPostgres.VerifyAsync(fromSqlite.Id, Ct)).Manifest.Provider);
        Assert.Equal("PostgreSql", (await intoPostgres.VerifyAsync(fromPostgres.Id, Ct)).Manifest.Provider);
    }
}
