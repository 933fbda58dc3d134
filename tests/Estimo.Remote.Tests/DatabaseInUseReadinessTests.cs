using System.Net;
using Estimo.Remote.Tests.Support;
using Estimo.Storage;
using Npgsql;

namespace Estimo.Remote.Tests;

/// <summary>
/// The remote holds the database-in-use lock on PostgreSQL for its lifetime; when the session
/// holding it drops and a restore takes the lock in that window, readiness says so (503) until
/// the remote holds it again.
/// </summary>
public sealed class DatabaseInUseReadinessTests : IAsyncLifetime
{
    private static readonly TimeSpan Within = DatabaseInUseLockServiceCollectionExtensions.CheckInterval + TimeSpan.FromSeconds(10);
    private readonly FitMinter _minter = new();
    private JwksServer? _jwks;
    private string? _server;
    private string? _serverConnectionString;
    private string? _databaseName;
    private string? _skipReason;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _server = Environment.GetEnvironmentVariable("ESTIMO_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(_server))
        {
            _skipReason = "ESTIMO_TEST_POSTGRES is not set, so the database-in-use readiness test did not run.";
            if (Environment.GetEnvironmentVariable("ESTIMO_REQUIRE_POSTGRES") == "1")
            {
                throw new InvalidOperationException("ESTIMO_REQUIRE_POSTGRES=1 but: " + _skipReason);
            }

            return;
        }

        _serverConnectionString = new NpgsqlConnectionStringBuilder(_server) { Database = "postgres", Pooling = false, Timeout = 5 }.ConnectionString;
        _databaseName = $"estimo_inuse_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(_serverConnectionString))
        {
            await connection.OpenAsync(Ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_databaseName}\"", connection);
            await create.ExecuteNonQueryAsync(Ct);
        }

        _jwks = await JwksServer.StartAsync(_minter.JwksJson());
    }

    public async ValueTask DisposeAsync()
    {
        if (_jwks is not null)
        {
            await _jwks.DisposeAsync();
        }

        _minter.Dispose();
        if (_databaseName is not null && _serverConnectionString is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_serverConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_databaseName}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task WhenTheHoldingSessionDrops_AndARestoreTakesTheLock_ReadinessIs503_UntilTheRemoteHoldsItAgain()
    {
        if (_skipReason is not null)
        {
            Assert.Skip(_skipReason);
        }

        var database = new NpgsqlConnectionStringBuilder(_server) { Database = _databaseName, Pooling = false }.ConnectionString;
        await using var host = await RemoteHost.StartAsync(_jwks!.JwksUrl, new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "PostgreSql",
            ["Storage:ConnectionString"] = database,
        });
        using var client = host.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready", Ct)).StatusCode);

        await using (var restore = new NpgsqlConnection(database))
        {
            await restore.OpenAsync(Ct);
            await using (var kill = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = @name AND datname = current_database()", restore))
            {
                kill.Parameters.AddWithValue("name", DatabaseInUseLock.ApplicationName);
                Assert.Equal(1L, await kill.ExecuteScalarAsync(Ct));
            }

            // Waits for the terminated session to let go, then holds the lock as a restore does.
            await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", restore))
            {
                take.Parameters.AddWithValue("key", DatabaseInUseLock.AdvisoryLockKey);
                await take.ExecuteNonQueryAsync(Ct);
            }

            Assert.True(await ReadinessBecomesAsync(client, HttpStatusCode.ServiceUnavailable), "readiness did not report the lost lock");
        }

        // The "restore" ended: the remote takes the lock again at its next check.
        Assert.True(await ReadinessBecomesAsync(client, HttpStatusCode.OK), "the remote did not take the lock again");
        await using var check = new NpgsqlConnection(database);
        await check.OpenAsync(Ct);
        await using var holders = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = @name AND datname = current_database()", check);
        holders.Parameters.AddWithValue("name", DatabaseInUseLock.ApplicationName);
        Assert.Equal(1L, await holders.ExecuteScalarAsync(Ct));
    }

    private static async Task<bool> ReadinessBecomesAsync(HttpClient client, HttpStatusCode expected)
    {
        var deadline = DateTimeOffset.UtcNow + Within;
        while (DateTimeOffset.UtcNow < deadline)
        {
            using var response = await client.GetAsync("/health/ready", Ct);
            if (response.StatusCode == expected)
            {
                return true;
            }

            await Task.Delay(250, Ct);
        }

        return false;
    }
}
