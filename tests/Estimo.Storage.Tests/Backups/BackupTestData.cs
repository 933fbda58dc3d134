using System.Globalization;
using System.Text.Json.Nodes;
using Estimo.Core.Installations;
using Estimo.Core.Poker;
using Estimo.Storage.Backups;
using Estimo.Storage.Security;
using Estimo.Storage.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Estimo.Storage.Tests.Backups;

/// <summary>Seeding, dumping and wiping a fixture's database for backup tests.</summary>
internal static class BackupTestData
{
    public const string Facilitator = "5b10ac8d82e05b22cc7d4ef5";

    /// <summary>Installations, each with a sealed system token and sealed sessions, plus audit rows.</summary>
    public static async Task<List<string>> SeedAsync(StorageFixture fixture, int installations, int sessionsEach, CancellationToken ct)
    {
        var ids = new List<string>();
        for (var i = 0; i < installations; i++)
        {
            var registration = Some.Registration();
            await fixture.Get<IInstallationStore>().RecordInstalledAsync(registration, ct);
            await fixture.Get<ISystemTokenCache>().StoreAsync(registration.InstallationId, Some.Token(), fixture.Time.GetUtcNow().AddHours(1), ct);
            for (var s = 0; s < sessionsEach; s++)
            {
                await fixture.Get<IPokerSessionStore>().AddAsync(NewSession(registration.InstallationId, fixture.Time.GetUtcNow()), ct);
            }

            ids.Add(registration.InstallationId);
        }

        await using var db = fixture.CreateContext();
        AuditLog.Add(db, fixture.Time.GetUtcNow(), "alice", "test.seeded", "all", new JsonObject { ["installations"] = installations });
        await db.SaveChangesAsync(ct);
        return ids;
    }

    public static StoredPokerSession NewSession(string installationId, DateTimeOffset createdAt)
    {
        var created = PokerSession.Create(
            new NewPokerSession
            {
                SessionId = Guid.NewGuid().ToString("N"),
                InstallationId = installationId,
                FacilitatorAccountId = Facilitator,
                Deck = BuiltInDecks.Fibonacci,
                Issues = [new PokerIssue("10001", "EST-1"), new PokerIssue("10002", "EST-2")],
            },
            createdAt);
        var session = created.Value ?? throw new InvalidOperationException(created.Error?.Message);
        session.Join(Facilitator, ParticipantRole.Voter, createdAt);
        return new StoredPokerSession(new SessionScope("EST", 1, "customfield_10016", SessionSourceKind.Backlog, null), session);
    }

    /// <summary>Every row of every table of the model, as canonical text, table by table.</summary>
    public static async Task<SortedDictionary<string, List<string>>> DumpAsync(StorageFixture fixture, CancellationToken ct)
    {
        await using var db = fixture.CreateContext();
        var schema = BackupSchema.For(db);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(ct);
        var dump = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var table in schema.Tables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {string.Join(", ", table.Columns.Select(c => "\"" + c.Name + "\""))} FROM {table.QuotedName}";
            await using var reader = await command.ExecuteReaderAsync(ct);
            var rows = new List<string>();
            while (await reader.ReadAsync(ct))
            {
                rows.Add(string.Join(" | ", table.Columns.Select((c, i) => Text(RowStream.ReadCanonical(reader, i, c)))));
            }

            rows.Sort(StringComparer.Ordinal);
            dump[table.Name] = rows;
        }

        return dump;
    }

    private static string Text(object? value) => value switch
    {
        null => "<null>",
        byte[] bytes => Convert.ToHexString(bytes),
        CanonicalInstant instant => "@" + instant.UtcTicks.ToString(CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    /// <summary>Deletes every row (the schema stays): the "disaster" before a restore.</summary>
    public static async Task WipeAsync(StorageFixture fixture, CancellationToken ct)
    {
        await using var db = fixture.CreateContext();
        var schema = BackupSchema.For(db);
        foreach (var table in schema.Tables.Reverse())
        {
#pragma warning disable EF1002 // table names come from the model, not from input
            await db.Database.ExecuteSqlRawAsync($"DELETE FROM {table.QuotedName}", ct);
#pragma warning restore EF1002
        }
    }

    /// <summary>A protector with an empty key cache, so every key really comes from the database.</summary>
    public static (Estimo.Core.Security.ISecretProtector Protector, IDisposable Ring) FreshProtector(StorageFixture fixture)
    {
        var ring = new DataKeyRing(
            fixture.Get<IDbContextFactory<EstimoDbContext>>(),
            fixture.Get<IKeyEncryptionProvider>(),
            fixture.Get<Microsoft.Extensions.Options.IOptions<SecurityOptions>>(),
            fixture.Time,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<DataKeyRing>.Instance);
        return (new EnvelopeSecretProtector(ring, Microsoft.Extensions.Logging.Abstractions.NullLogger<EnvelopeSecretProtector>.Instance), ring);
    }

    public static string FileOf(StorageFixture fixture, string id) => Path.Combine(fixture.BackupDirectory, id + ".estimo-backup");
}
