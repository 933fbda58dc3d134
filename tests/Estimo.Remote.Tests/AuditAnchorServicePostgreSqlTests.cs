using Estimo.Remote.Audit;
using Estimo.Remote.Tests.Support;
using Estimo.Storage;
using Estimo.Storage.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Estimo.Remote.Tests;

/// <summary>
/// Two backend instances sharing one real PostgreSQL database and one backup target run the
/// anchoring service at the same moment: one anchor per interval. Needs
/// <c>ESTIMO_TEST_POSTGRES</c> (skipped without it unless <c>ESTIMO_REQUIRE_POSTGRES=1</c>).
/// </summary>
public sealed class AuditAnchorServicePostgreSqlTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "estimo-anchor-pg-tests", Guid.NewGuid().ToString("N"));
    private string? _server;
    private string? _database;
    private ServiceProvider? _a;
    private ServiceProvider? _b;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var server = Environment.GetEnvironmentVariable("ESTIMO_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(server))
        {
            if (Environment.GetEnvironmentVariable("ESTIMO_REQUIRE_POSTGRES") == "1")
            {
                throw new InvalidOperationException("ESTIMO_REQUIRE_POSTGRES=1 but ESTIMO_TEST_POSTGRES is not set.");
            }

            return;
        }

        _server = new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString;
        _database = $"estimo_anchor_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(_server))
        {
            await connection.OpenAsync(Ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", connection);
            await create.ExecuteNonQueryAsync(Ct);
        }

        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = new NpgsqlConnectionStringBuilder(server) { Database = _database }.ConnectionString,
            ["Storage:DataDirectory"] = Path.Combine(_root, "data"),
            ["Security:LocalKey:KeyringFile"] = Path.Combine(_root, "keys", "keyring.json"),
            ["Backups:Directory"] = Path.Combine(_root, "backups"),
        };
        _a = Build(settings);
        _b = Build(settings);
        await _a.GetRequiredService<IDatabaseMigrator>().MigrateAsync(Ct);
        await _a.GetRequiredService<IKeyEncryptionProvider>().CheckAsync(Ct);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddEstimoStorage(configuration);
        services.AddEstimoAuditAnchoring();
        return services.BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        if (_a is not null)
        {
            await _a.DisposeAsync();
        }

        if (_b is not null)
        {
            await _b.DisposeAsync();
        }

        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_server);
            await connection.OpenAsync(CancellationToken.None);
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static AuditAnchorService Service(IServiceProvider services) => new(
        services.GetRequiredService<AuditAnchorExporter>(),
        TimeProvider.System,
        services.GetRequiredService<IOptions<AuditAnchorOptions>>(),
        new AuditAnchorRunState(),
        new CapturingLogger<AuditAnchorService>());

    [Fact]
    public async Task TwoInstances_AtTheSameInterval_AnchorOnce()
    {
        if (_a is null)
        {
            Assert.Skip("ESTIMO_TEST_POSTGRES is not set, so the anchoring tests on PostgreSQL did not run.");
        }

        await AuditAnchorServiceTests.AppendAsync(_a, 3);
        var first = new List<AuditAnchorOutcome?>();
        for (var round = 0; round < 3; round++)
        {
            first.AddRange(await Task.WhenAll(Service(_a).RunOnceAsync(Ct), Service(_b!).RunOnceAsync(Ct)));
        }

        await AuditAnchorServiceTests.AppendAsync(_b!, 1);
        var second = await Task.WhenAll(Service(_a).RunOnceAsync(Ct), Service(_b!).RunOnceAsync(Ct));

        Assert.Single(first, o => o == AuditAnchorOutcome.Anchored);
        Assert.All(first, o => Assert.True(o is AuditAnchorOutcome.Anchored or AuditAnchorOutcome.Busy or AuditAnchorOutcome.Idle, $"{o}"));
        Assert.Single(second, o => o == AuditAnchorOutcome.Anchored);
        Assert.Equal(["00000000000000000003.json", "00000000000000000005.json"],
            Directory.EnumerateFiles(Path.Combine(_root, "backups", "audit-anchors")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_server) { Database = _database }.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM audit_events WHERE action = 'audit.anchored'", connection);
        Assert.Equal(2L, await count.ExecuteScalarAsync(Ct));
        var verified = await _b!.GetRequiredService<AuditChain>().VerifyAsync(
            [.. (await _b!.GetRequiredService<AuditAnchorExporter>().ReadExportedAsync(Ct)).Select(e => e.Anchor!)], Ct);
        Assert.True(verified.Valid, verified.Problem);
    }
}
