using Estimo.Core.Installations;
using Estimo.Storage;
using Estimo.Storage.Security;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Benchmarks;

/// <summary>A migrated SQLite database and local keyring in a temporary directory, wired as the host wires them.</summary>
public sealed class BenchmarkDatabase : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "estimo-bench", Guid.NewGuid().ToString("N"));

    private BenchmarkDatabase(ServiceProvider services) => Services = services;

    public ServiceProvider Services { get; private set; }

    public string DatabaseFile => Path.Combine(_directory, "data", StorageOptions.SqliteFileName);

    public static async Task<BenchmarkDatabase> CreateAsync()
    {
        var database = new BenchmarkDatabase(null!);
        database.Services = database.Build();
        await database.Services.GetRequiredService<IDatabaseMigrator>().MigrateAsync(CancellationToken.None);
        await database.Services.GetRequiredService<IKeyEncryptionProvider>().CheckAsync(CancellationToken.None);
        return database;
    }

    /// <summary>Registers an installation and returns its id.</summary>
    public async Task<string> InstallAsync()
    {
        var id = $"ari:cloud:ecosystem::installation/{Guid.NewGuid()}";
        await Services.GetRequiredService<IInstallationStore>().RecordInstalledAsync(
            new InstallationRegistration(id, Guid.NewGuid().ToString(), new Uri("https://bench.atlassian.net"), new Uri("https://api.atlassian.com/ex/jira/bench"), "1.0.0", "PRODUCTION", DateTimeOffset.UtcNow),
            CancellationToken.None);
        return id;
    }

    /// <summary>Inserts <paramref name="count"/> installations, each with one data key wrapped by the primary KEK (raw SQL: seeding is not what is measured).</summary>
    public async Task SeedDataKeysAsync(int count)
    {
        var provider = Services.GetRequiredService<IKeyEncryptionProvider>();
        await using var connection = new SqliteConnection($"Data Source={DatabaseFile};Pooling=false");
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var installation = connection.CreateCommand();
        installation.CommandText = "INSERT INTO installations (id, cloud_id, site_url, api_base_url, app_version, environment, installed_at, status, updated_at, version) VALUES ($id, $id, NULL, 'https://api.atlassian.com/ex/jira/bench', '1.0.0', 'PRODUCTION', 0, 'Active', 0, 0)";
        var installationId = installation.Parameters.Add("$id", SqliteType.Text);
        await using var key = connection.CreateCommand();
        key.CommandText = "INSERT INTO installation_keys (installation_id, version, kek_id, wrapped_key, created_at) VALUES ($id, 1, $kek, $wrapped, 0)";
        var keyInstallation = key.Parameters.Add("$id", SqliteType.Text);
        var kek = key.Parameters.Add("$kek", SqliteType.Text);
        var wrapped = key.Parameters.Add("$wrapped", SqliteType.Blob);
        for (var i = 0; i < count; i++)
        {
            var id = $"bench-{i:D7}";
            var generated = await provider.GenerateDataKeyAsync(new DataKeyContext(id, 1), CancellationToken.None);
            installationId.Value = id;
            await installation.ExecuteNonQueryAsync();
            keyInstallation.Value = id;
            kek.Value = generated.KekId;
            wrapped.Value = generated.Wrapped;
            await key.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    /// <summary>
    /// Registers <paramref name="installations"/> installations with <paramref name="valuesEach"/>
    /// sealed session-state values of <paramref name="valueSize"/> bytes each (sealed through the
    /// real protector; rows inserted with raw SQL).
    /// </summary>
    public async Task SeedSealedValuesAsync(int installations, int valuesEach, int valueSize)
    {
        var protector = Services.GetRequiredService<Estimo.Core.Security.ISecretProtector>();
        var plaintext = new byte[valueSize];
        Random.Shared.NextBytes(plaintext);
        var rows = new List<(string Id, string Installation, byte[] State)>();
        for (var i = 0; i < installations; i++)
        {
            // Through EF (the installation and its data key) before the raw transaction locks the file.
            var installationId = await InstallAsync();
            for (var v = 0; v < valuesEach; v++)
            {
                var sessionId = Guid.NewGuid().ToString("N");
                rows.Add((sessionId, installationId, await protector.ProtectAsync(plaintext, new Estimo.Core.Security.SecretBinding("poker_sessions", "state", sessionId, installationId), CancellationToken.None)));
            }
        }

        await using var connection = new SqliteConnection($"Data Source={DatabaseFile};Pooling=false");
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO poker_sessions (id, installation_id, project_key, board_id, estimation_field_id, source_kind, sprint_id, facilitator_account_id,
                mode, status, created_at, ended_at, updated_at, issue_count, participant_count, version, sealed_state)
            VALUES ($id, $installation, 'EST', NULL, 'customfield_10016', 'Backlog', NULL, 'f', 'Live', 'Active', 0, NULL, 0, 1, 1, 1, $state)
            """;
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var installation = insert.Parameters.Add("$installation", SqliteType.Text);
        var state = insert.Parameters.Add("$state", SqliteType.Blob);
        foreach (var row in rows)
        {
            (id.Value, installation.Value, state.Value) = (row.Id, row.Installation, row.State);
            await insert.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private ServiceProvider Build()
    {
        var services = new ServiceCollection();
        services.AddEstimoStorage(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = Path.Combine(_directory, "data"),
            ["Security:LocalKey:KeyringFile"] = Path.Combine(_directory, "keys", "keyring.json"),
        }).Build());
        return services.BuildServiceProvider();
    }
}
