using System.Diagnostics;
using System.Text;
using Npgsql;

namespace Estimo.Storage.Tests.Support;

/// <summary>
/// A fresh database, created for this test class on the server named by
/// <c>ESTIMO_TEST_POSTGRES</c> (e.g. <c>Host=127.0.0.1;Port=55432;Username=postgres</c>, as
/// printed by <c>scripts/postgres-test-server.sh start</c>) and dropped afterwards. Without
/// that variable the tests are skipped with the reason, unless <c>ESTIMO_REQUIRE_POSTGRES=1</c>
/// (CI), when the fixture fails and so does every test that uses it.
/// </summary>
public sealed class PostgreSqlStorageFixture : StorageFixture
{
    public const string ServerVariable = "ESTIMO_TEST_POSTGRES";
    public const string RequireVariable = "ESTIMO_REQUIRE_POSTGRES";

    private string? _serverConnectionString;
    private string? _databaseName;

    public override StorageProvider Provider => StorageProvider.PostgreSql;

    public string ConnectionString { get; private set; } = string.Empty;

    private static bool Required => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    protected override async Task<Dictionary<string, string?>?> PrepareAsync()
    {
        var server = Environment.GetEnvironmentVariable(ServerVariable);
        if (string.IsNullOrWhiteSpace(server))
        {
            return Unavailable($"{ServerVariable} is not set, so the PostgreSQL storage tests did not run. "
                + $"Start a server with 'scripts/postgres-test-server.sh start' and set {ServerVariable} to the connection string it prints.", null);
        }

        _serverConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false, Timeout = 5 }.ConnectionString;
        _databaseName = $"estimo_test_{Guid.NewGuid():N}";
        try
        {
            await using var connection = new NpgsqlConnection(_serverConnectionString);
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_databaseName}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        catch (Exception exception) when (exception is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            _databaseName = null;
            return Unavailable($"The PostgreSQL server named by {ServerVariable} is unreachable ({exception.Message}), so the PostgreSQL storage tests did not run.", exception);
        }

        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = _databaseName }.ConnectionString;
        return new() { ["Storage:Provider"] = "PostgreSql", ["Storage:ConnectionString"] = ConnectionString };
    }

    private Dictionary<string, string?>? Unavailable(string reason, Exception? exception)
    {
        if (Required)
        {
            throw new InvalidOperationException($"{RequireVariable}=1 but: {reason}", exception);
        }

        SkipReason = reason;
        return null;
    }

    public override async Task<byte[]> ReadRawDataAsync(CancellationToken cancellationToken)
    {
        var raw = new List<byte>();
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                """
                SELECT sealed_token, t::text FROM system_tokens t
                UNION ALL SELECT sealed_state, s::text FROM poker_sessions s
                UNION ALL SELECT wrapped_key, k::text FROM installation_keys k
                UNION ALL SELECT NULL, i::text FROM installations i
                UNION ALL SELECT NULL, a::text FROM audit_events a
                """, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (!reader.IsDBNull(0))
                {
                    raw.AddRange(reader.GetFieldValue<byte[]>(0));
                }

                raw.AddRange(Encoding.UTF8.GetBytes(reader.GetString(1)));
            }
        }

        raw.AddRange(await PgDumpAsync(cancellationToken));
        return [.. raw];
    }

    /// <summary>The output of pg_dump for the test database, when the client tools are installed.</summary>
    private async Task<byte[]> PgDumpAsync(CancellationToken cancellationToken)
    {
        var pgDump = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "pg_dump")).Where(File.Exists).Order().LastOrDefault()
            : null;
        if (pgDump is null)
        {
            return [];
        }

        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        var start = new ProcessStartInfo(pgDump)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--data-only", "-h", builder.Host!, "-p", builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", builder.Username ?? "postgres", "-d", builder.Database! })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using var output = new MemoryStream();
        await process.StandardOutput.BaseStream.CopyToAsync(output, cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        Assert.True(process.ExitCode == 0, $"pg_dump failed: {await process.StandardError.ReadToEndAsync(cancellationToken)}");
        return output.ToArray();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_databaseName is not null && _serverConnectionString is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_serverConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_databaseName}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
