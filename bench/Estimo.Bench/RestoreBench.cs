using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Estimo.Core.Installations;
using Estimo.Core.Security;
using Estimo.Storage;
using Estimo.Storage.Backups;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;

namespace Estimo.Bench;

/// <summary>
/// RPO/RTO figures: seeds N poker_sessions rows whose state is sealed exactly as the store
/// seals it (a ~1 KB session document per row, spread over 100 installations), then times a
/// backup (snapshot, compress, encrypt, write), and a restore into a fresh scratch database of
/// the same provider (full verification pass + migrate + insert + drop), as
/// <c>estimo-ops restore --dry-run</c> does. Prints one markdown row.
/// </summary>
internal static class RestoreBench
{
    public static async Task<int> RunAsync(string provider, string connection, int rows)
    {
        var root = Path.Combine(Path.GetTempPath(), "estimo-bench-restore", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = provider,
            ["Storage:DataDirectory"] = Path.Combine(root, "data"),
            ["Security:LocalKey:KeyringFile"] = Path.Combine(root, "keys", "keyring.json"),
            ["Backups:Directory"] = Path.Combine(root, "backups"),
        };
        if (provider == "PostgreSql")
        {
            settings["Storage:ConnectionString"] = connection;
        }

        var services = new ServiceCollection().AddEstimoStorage(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).BuildServiceProvider();
        await using (services)
        {
            await services.GetRequiredService<IDatabaseMigrator>().MigrateAsync(CancellationToken.None);
            var seed = Stopwatch.StartNew();
            await SeedAsync(services, provider, rows);
            Console.Error.WriteLine($"restore bench: seeded {rows} sealed sessions on {provider} in {seed.Elapsed.TotalSeconds:F1} s");

            var backups = services.GetRequiredService<BackupService>();
            var backup = await backups.BackupAsync("bench", null, CancellationToken.None);
            var restore = Stopwatch.StartNew();
            var report = await backups.RestoreAsync(backup.Id, "bench", dryRun: true, forceNonEmpty: false, CancellationToken.None);
            restore.Stop();
            if (!report.CountsMatch)
            {
                throw new InvalidOperationException("restored counts differ from the manifest");
            }

            var restoredRows = report.Tables.Sum(t => t.Restored);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {provider} | {rows:N0} | {backup.Duration.TotalSeconds:F1} | {backup.Bytes / 1048576.0:F1} | {restore.Elapsed.TotalSeconds:F1} | {restoredRows / restore.Elapsed.TotalSeconds:N0} |"));
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

    private static async Task SeedAsync(ServiceProvider services, string provider, int rows)
    {
        var protector = services.GetRequiredService<ISecretProtector>();
        var now = DateTimeOffset.UtcNow;
        var installations = new string[100];
        for (var i = 0; i < installations.Length; i++)
        {
            installations[i] = $"ari:cloud:ecosystem::installation/{Guid.NewGuid()}";
            await services.GetRequiredService<IInstallationStore>().RecordInstalledAsync(
                new InstallationRegistration(installations[i], Guid.NewGuid().ToString(), null, new Uri("https://api.atlassian.com/ex/jira/x"), "1", "PRODUCTION", now),
                CancellationToken.None);
        }

        // A document the size of a real session state: 10 participants, a few rounds of votes.
        var document = new StringBuilder("{\"participants\":[");
        for (var p = 0; p < 10; p++)
        {
            document.Append(CultureInfo.InvariantCulture, $"{{\"accountId\":\"5b10ac8d82e05b22cc7d4e{p:00}\",\"role\":\"voter\",\"joinedAt\":\"{now:O}\"}},");
        }

        document.Append("],\"issues\":[{\"id\":\"10001\",\"key\":\"EST-1\",\"rounds\":[{\"votes\":[\"3\",\"5\",\"5\",\"8\",\"3\",\"5\",\"5\",\"8\",\"13\",\"5\"]}]}]}");
        var plaintext = Encoding.UTF8.GetBytes(document.ToString());

        var contexts = services.GetRequiredService<IDbContextFactory<EstimoDbContext>>();
        const int batch = 500;
        for (var start = 0; start < rows; start += batch)
        {
            // Seal first: a first seal creates the installation's data key in its own transaction.
            var count = Math.Min(batch, rows - start);
            var batchRows = new (string Id, string Installation, byte[] Sealed)[count];
            for (var r = 0; r < count; r++)
            {
                var id = Guid.NewGuid().ToString("N");
                var installation = installations[(start + r) % installations.Length];
                batchRows[r] = (id, installation, await protector.ProtectAsync(plaintext, new SecretBinding("poker_sessions", "state", id, installation), CancellationToken.None));
            }

            await using var db = await contexts.CreateDbContextAsync();
            var connection = db.Database.GetDbConnection();
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder("INSERT INTO poker_sessions (id, installation_id, project_key, board_id, estimation_field_id, source_kind, sprint_id, facilitator_account_id, mode, status, created_at, ended_at, updated_at, issue_count, participant_count, version, sealed_state) VALUES ");
            for (var r = 0; r < count; r++)
            {
                var (id, installation, sealedState) = batchRows[r];
                sql.Append(CultureInfo.InvariantCulture, $"{(r == 0 ? "" : ",")}(@i{r}, @n{r}, 'EST', 1, 'customfield_10016', 'Backlog', NULL, '5b10ac8d82e05b22cc7d4e00', 'Live', 'Active', @t{r}, NULL, @t{r}, 1, 10, 1, @s{r})");
                Add(command, "i" + r, id);
                Add(command, "n" + r, installation);
                Add(command, "t" + r, provider == "PostgreSql" ? now : now.UtcTicks);
                Add(command, "s" + r, sealedState);
            }

            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
