using System.Diagnostics;
using System.Globalization;
using Estimo.Core.Installations;
using Estimo.Core.Poker;
using Estimo.Bench.Tokens;
using Estimo.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;

namespace Estimo.Bench;

/// <summary>
/// Session writes per second through <see cref="IPokerSessionStore.TrySaveAsync"/>, the call
/// every vote ends in: W writers, each on its own session, each write one vote (a real change
/// of the aggregate, so the row's version moves), for S seconds.
/// </summary>
internal static class StorageWrites
{
    /// <summary>
    /// <paramref name="provider"/> is a Storage:Provider value, or <c>Sqlite-WAL</c>: SQLite with
    /// the database file switched to write-ahead logging by the bench (the store itself uses
    /// SQLite's default rollback journal), to show what that change would buy.
    /// </summary>
    public static async Task<int> RunAsync(string provider, string connection, double seconds, int writers)
    {
        var label = provider;
        var wal = provider == "Sqlite-WAL";
        provider = wal ? "Sqlite" : provider;
        var root = Path.Combine(Path.GetTempPath(), "estimo-bench-storage", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = provider,
            ["Storage:DataDirectory"] = Path.Combine(root, "data"),
            ["Security:LocalKey:KeyFile"] = Path.Combine(root, "keys", "local.key"),
        };
        if (provider == "PostgreSql")
        {
            settings["Storage:ConnectionString"] = connection;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddEstimoStorage(configuration).BuildServiceProvider();
        await using (services)
        {
            await services.GetRequiredService<IDatabaseMigrator>().MigrateAsync(CancellationToken.None);
            if (wal)
            {
                // journal_mode is stored in the database file, so every later connection uses it.
                await using var db = await services.GetRequiredService<IDbContextFactory<EstimoDbContext>>().CreateDbContextAsync();
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
            }

            var now = DateTimeOffset.UtcNow;
            var installationId = $"ari:cloud:ecosystem::installation/{Guid.NewGuid()}";
            await services.GetRequiredService<IInstallationStore>().RecordInstalledAsync(
                new InstallationRegistration(installationId, FitSigner.CloudId, null, new Uri("https://api.atlassian.com/ex/jira/x"), "1", "DEVELOPMENT", now),
                CancellationToken.None);
            var store = services.GetRequiredService<IPokerSessionStore>();

            var stored = new StoredPokerSession[writers];
            for (var w = 0; w < writers; w++)
            {
                var session = PokerSession.Create(
                    new NewPokerSession
                    {
                        SessionId = Guid.NewGuid().ToString(),
                        InstallationId = installationId,
                        FacilitatorAccountId = FitSigner.Account(0),
                        Deck = BuiltInDecks.Fibonacci,
                        Issues = [new PokerIssue("10001", "EST-1"), new PokerIssue("10002", "EST-2")],
                    },
                    now).Value!;
                for (var p = 1; p < 10; p++)
                {
                    session.Join(FitSigner.Account(p), ParticipantRole.Voter, now);
                }

                stored[w] = new StoredPokerSession(new SessionScope("EST", 1, "customfield_10016", SessionSourceKind.Backlog, null), session);
                await store.AddAsync(stored[w], CancellationToken.None);
            }

            var deadline = Stopwatch.StartNew();
            var latencies = new List<double>[writers];
            var failures = 0;
            await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                var mine = latencies[w] = [];
                for (var n = 0; deadline.Elapsed.TotalSeconds < seconds; n++)
                {
                    var session = stored[w];
                    var expected = session.Session.Version;
                    session.Session.CastVote(FitSigner.Account(n % 10), "10001", n / 10 % 2 == 0 ? "3" : "5", DateTimeOffset.UtcNow);
                    var started = Stopwatch.GetTimestamp();
                    if (!await store.TrySaveAsync(session, expected, CancellationToken.None))
                    {
                        Interlocked.Increment(ref failures);
                    }

                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            })));
            var elapsed = deadline.Elapsed.TotalSeconds;
            var all = latencies.SelectMany(l => l).Order().ToList();
            double P(double p) => all[Math.Clamp((int)Math.Ceiling(p / 100 * all.Count) - 1, 0, all.Count - 1)];
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {label} | {writers} | {all.Count} | {all.Count / elapsed:F0} | {P(50):F2} | {P(99):F2} | {failures} |"));
        }

        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }

        return 0;
    }
}
