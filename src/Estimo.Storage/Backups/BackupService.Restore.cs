using System.Data;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Estimo.Storage.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;

namespace Estimo.Storage.Backups;

/// <summary>Restoring a verified backup into an empty (or, forced, a same-schema) database, in one transaction.</summary>
public sealed partial class BackupService
{
    /// <summary>
    /// Restores backup <paramref name="id"/> into the configured database, or with
    /// <paramref name="dryRun"/> into a scratch database that is dropped afterwards.
    /// </summary>
    public Task<RestoreReport> RestoreAsync(string id, string actor, bool dryRun, bool forceNonEmpty, CancellationToken cancellationToken) =>
        RestoreCoreAsync(id, actor, dryRun, forceNonEmpty, inspect: null, cancellationToken);

    private async Task<RestoreReport> RestoreCoreAsync(
        string id, string actor, bool dryRun, bool forceNonEmpty, Func<IDbContextFactory<EstimoDbContext>, Task>? inspect, CancellationToken cancellationToken)
    {
        CheckId(id);
        var clock = Stopwatch.StartNew();
        await using var held = dryRun
            ? null
            : await _locks.TryAcquireAsync(BackupLocks.RestoreKey, cancellationToken)
                ?? throw new BackupException("another restore is running (the restore lock is held); wait for it to finish.");
        await using var inUse = dryRun ? null : await TakeDatabaseForRestoreAsync(id, actor, cancellationToken);
        await using var stream = await _target.OpenReadAsync(FileName(id), cancellationToken)
            ?? throw new BackupException($"backup {id} does not exist in {_target.Description}.");

        // 1. The whole file must verify before any database is touched.
        var (manifest, key) = await VerifyStreamAsync(id, stream, cancellationToken);
        try
        {
            var escrow = await ReadEscrowAsync(cancellationToken);
            await using var scratch = dryRun ? await ScratchDatabase.CreateAsync(_storage, _workDirectory, cancellationToken) : null;
            var factory = scratch?.Factory ?? _contexts;

            // 2. This build must know the backup's schema.
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            var backupMigration = db.Database.GetMigrations().FirstOrDefault(m => SchemaNameOf(m) == manifest.SchemaName)
                ?? throw new BackupException(
                    $"backup {id} has schema '{manifest.SchemaName}', which this build does not know (it is newer); restore it with the build that took it or a newer one.");

            // 3. Only an empty database, unless forced (then only at the same schema).
            var schema = BackupSchema.For(db);
            var nonEmpty = await NonEmptyTablesAsync(db, schema, cancellationToken);
            var latestApplied = await LatestMigrationAsync(db.Database.GetDbConnection(), null, cancellationToken);
            if (nonEmpty.Count > 0)
            {
                if (!forceNonEmpty)
                {
                    throw new BackupException(
                        $"the database is not empty ({string.Join(", ", nonEmpty)} have rows); restore into an empty database, or add --force-non-empty to replace its contents.");
                }

                if (latestApplied is null || SchemaNameOf(latestApplied) != manifest.SchemaName)
                {
                    throw new BackupException(
                        $"the database is at schema '{(latestApplied is null ? "none" : SchemaNameOf(latestApplied))}' but backup {id} is at '{manifest.SchemaName}'; --force-non-empty replaces rows only at the same schema: restore into an empty database.");
                }
            }
            else
            {
                await db.GetService<IMigrator>().MigrateAsync(backupMigration, cancellationToken);
            }

            // 4. Rows, keys and (at the current schema) the audit record, in one transaction.
            stream.Position = 0;
            await BackupContainer.ReadManifestAsync(stream, cancellationToken);
            var latestKnown = db.Database.GetMigrations().Last();
            var auditInTransaction = !dryRun && backupMigration == latestKnown;
            var (tables, skippedInstallations, withoutKeys) = await WriteRowsAsync(
                db, schema, stream, manifest, key, escrow, clear: nonEmpty.Count > 0,
                audit: auditInTransaction ? d => AddRestoreAudit(d, actor, manifest, escrow is null) : null,
                cancellationToken);

            // 5. Bring an older backup's schema up to this build.
            await db.Database.MigrateAsync(cancellationToken);
            var report = new RestoreReport(id, dryRun, manifest.SchemaName, tables, skippedInstallations, withoutKeys, clock.Elapsed);
            if (inspect is not null)
            {
                await inspect(factory);
            }

            if (!dryRun && !auditInTransaction)
            {
                await AuditAsync(actor, "backup.restored", id, RestoreDetails(manifest, escrow is null), cancellationToken);
            }

            var restoredRows = tables.Sum(t => t.Restored);
            Log.Restored(_log, id, dryRun, restoredRows, clock.ElapsedMilliseconds);
            return report with { Duration = clock.Elapsed };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// Takes the database-in-use lock exclusively for a real restore, or refuses (audited where
    /// the database can record it) while any remote holds it shared.
    /// </summary>
    private async Task<IAsyncDisposable> TakeDatabaseForRestoreAsync(string id, string actor, CancellationToken cancellationToken)
    {
        var held = await _locks.TryAcquireInUseAsync(exclusive: true, "estimo restore", cancellationToken);
        if (held is not null)
        {
            return held;
        }

        var holders = await _locks.CountInUseHoldersAsync(cancellationToken);
        var who = holders switch
        {
            null => $"it holds the lock file {_locks.InUseFilePath}",
            1 => "1 remote session holds the database-in-use lock",
            _ => $"{holders} remote sessions hold the database-in-use lock",
        };
        // Audited in a database that holds data; an empty database stays empty (an audit record
        // would make the restore it is waiting for need --force-non-empty), so it is only logged.
        try
        {
            await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
            if ((await NonEmptyTablesAsync(db, BackupSchema.For(db), cancellationToken)).Count > 0)
            {
                AuditLog.Add(db, _time.GetUtcNow(), actor, "backup.restore.refused", id, new JsonObject
                {
                    ["reason"] = "remote-running",
                    ["remotes"] = holders,
                });
                await db.SaveChangesAsync(cancellationToken);
            }
            else
            {
                Log.RefusalNotAudited(_log, id, null);
            }
        }
        catch (Exception exception) when (exception is DbException or DbUpdateException)
        {
            Log.RefusalNotAudited(_log, id, exception);
        }

        throw new BackupException($"a remote is running against this database ({who}); stop it before restoring.");
    }

    private void AddRestoreAudit(EstimoDbContext db, string actor, BackupManifest manifest, bool noEscrow) =>
        AuditLog.Add(db, _time.GetUtcNow(), actor, "backup.restored", manifest.Id, RestoreDetails(manifest, noEscrow));

    private JsonObject RestoreDetails(BackupManifest manifest, bool noEscrow) => new()
    {
        ["target"] = _target.Description,
        ["schema"] = manifest.SchemaVersion,
        ["rows"] = manifest.Tables.Values.Sum(),
        ["escrow"] = noEscrow ? "missing" : "used",
    };

    private static async Task<List<string>> NonEmptyTablesAsync(EstimoDbContext db, BackupSchema schema, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != ConnectionState.Open)
        {
            await connection.OpenAsync(cancellationToken);
        }

        var nonEmpty = new List<string>();
        foreach (var table in schema.Tables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT 1 FROM {table.QuotedName} LIMIT 1";
            try
            {
                if (await command.ExecuteScalarAsync(cancellationToken) is not null)
                {
                    nonEmpty.Add(table.Name);
                }
            }
            catch (DbException)
            {
                // The table does not exist yet: a database not (fully) migrated.
            }
        }

        return nonEmpty;
    }

    private async Task<(List<RestoredTable> Tables, int SkippedInstallations, int WithoutKeys)> WriteRowsAsync(
        EstimoDbContext db,
        BackupSchema schema,
        Stream stream,
        BackupManifest manifest,
        byte[] key,
        KeyEscrow? escrow,
        bool clear,
        Action<EstimoDbContext>? audit,
        CancellationToken cancellationToken)
    {
        var sql = db.GetService<ISqlGenerationHelper>();
        var keyTable = KeyTableName(db);
        var installationTable = InstallationTableName(db);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        var dbTransaction = transaction.GetDbTransaction();

        if (clear)
        {
            foreach (var table in schema.Tables.Reverse())
            {
                await using var delete = connection.CreateCommand();
                delete.Transaction = dbTransaction;
                delete.CommandText = $"DELETE FROM {table.QuotedName}";
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        // Rows of installations purged after this backup was taken are not brought back.
        var skipped = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var referenced = schema.ForeignKeys.GroupBy(f => f.Principal).ToDictionary(g => g.Key, g => g.Select(f => f.PrincipalColumns).ToList(), StringComparer.Ordinal);
        var restoredInstallations = new HashSet<string>(StringComparer.Ordinal);
        var skippedInstallations = 0;
        var results = new List<RestoredTable>();

        using (var payload = OpenPayload(stream, manifest, key))
        {
            var rows = RowStreamReader.Open(payload.Reader);
            _ = payload.Reader.ReadString();
            while (rows.NextTable() is { } source)
            {
                var table = schema.Find(source.Name)
                    ?? throw new BackupException($"backup {manifest.Id} has a table '{source.Name}' this build's model does not have.");
                var columns = source.Columns.Select(name => table.Column(name)
                    ?? throw new BackupException($"backup {manifest.Id} has a column '{source.Name}.{name}' this build's model does not have.")).ToArray();
                var dependentKeys = schema.ForeignKeys.Where(f => f.Table == table.Name)
                    .Select(f => (f.Principal, Columns: f.Columns.Select(c => Array.IndexOf(source.Columns, c)).ToArray())).ToList();
                var myKeys = referenced.GetValueOrDefault(table.Name)?.Select(cols => cols.Select(c => Array.IndexOf(source.Columns, c)).ToArray()).ToList() ?? [];
                var installationIdColumn = table.Name == installationTable ? Array.IndexOf(source.Columns, table.Key[0]) : -1;

                using var inserter = new BatchInserter(connection, dbTransaction, sql, table, columns);
                var values = new object?[source.Columns.Length];
                long read = 0;
                long skippedRows = 0;
                while (rows.NextRow(values, ref read))
                {
                    var skip = false;
                    if (installationIdColumn >= 0 && escrow is not null && escrow.IsPurgedFor((string)values[installationIdColumn]!, manifest.CreatedAt))
                    {
                        skip = true;
                        skippedInstallations++;
                    }

                    foreach (var (principal, fkColumns) in dependentKeys)
                    {
                        skip |= skipped.TryGetValue(principal, out var set) && set.Contains(KeyOf(values, fkColumns));
                    }

                    if (skip)
                    {
                        skippedRows++;
                        foreach (var keyColumns in myKeys)
                        {
                            (skipped.TryGetValue(table.Name, out var set) ? set : skipped[table.Name] = new HashSet<string>(StringComparer.Ordinal)).Add(KeyOf(values, keyColumns));
                        }

                        continue;
                    }

                    if (installationIdColumn >= 0)
                    {
                        restoredInstallations.Add((string)values[installationIdColumn]!);
                    }

                    await inserter.AddAsync(values, cancellationToken);
                }

                await inserter.FlushAsync(cancellationToken);
                results.Add(new RestoredTable(table.Name, manifest.Tables.GetValueOrDefault(table.Name), read - skippedRows, skippedRows));
            }
        }

        // The installations' data keys come from the escrow, never from the backup.
        var withoutKeys = restoredInstallations.Count;
        if (escrow is not null && schema.Find(keyTable) is { } keys)
        {
            var columns = escrow.Columns.Select(c => keys.Column(c) ?? throw new BackupException($"the key escrow has a column '{c}' this build's model does not have.")).ToArray();
            using var inserter = new BatchInserter(connection, dbTransaction, sql, keys, columns);
            var withKeys = new HashSet<string>(StringComparer.Ordinal);
            long count = 0;
            foreach (var ((installation, _), row) in escrow.Keys)
            {
                if (restoredInstallations.Contains(installation))
                {
                    await inserter.AddAsync(row, cancellationToken);
                    withKeys.Add(installation);
                    count++;
                }
            }

            await inserter.FlushAsync(cancellationToken);
            withoutKeys = restoredInstallations.Count - withKeys.Count;
            results.Add(new RestoredTable(keyTable, count, count, 0));
        }

        if (_storage.Provider == StorageProvider.PostgreSql || db is PostgreSqlEstimoDbContext)
        {
            foreach (var table in schema.Tables)
            {
                foreach (var column in table.Columns.Where(c => c.IsIdentity))
                {
                    await using var setval = connection.CreateCommand();
                    setval.Transaction = dbTransaction;
                    var quoted = sql.DelimitIdentifier(column.Name);
                    setval.CommandText = $"SELECT setval(pg_get_serial_sequence('{table.QuotedName.Replace("'", "''", StringComparison.Ordinal)}', '{column.Name.Replace("'", "''", StringComparison.Ordinal)}'), COALESCE((SELECT MAX({quoted}) FROM {table.QuotedName}), 0) + 1, false)";
                    await setval.ExecuteNonQueryAsync(cancellationToken);
                }
            }
        }

        if (audit is not null)
        {
            audit(db);
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return (results, skippedInstallations, withoutKeys);
    }

    private static string KeyOf(object?[] values, int[] columns) =>
        string.Join("\u001f", columns.Select(i => i < 0 ? string.Empty : Convert.ToString(values[i] is CanonicalInstant c ? c.UtcTicks : values[i], CultureInfo.InvariantCulture)));

    /// <summary>Multi-row parameterised INSERTs, a few hundred rows per statement.</summary>
    private sealed class BatchInserter : IDisposable
    {
        private readonly DbConnection _connection;
        private readonly DbTransaction _transaction;
        private readonly BackupColumn[] _columns;
        private readonly int _batch;
        private readonly string _prefix;
        private readonly List<object> _pending = [];
        private DbCommand? _full;

        public BatchInserter(DbConnection connection, DbTransaction transaction, ISqlGenerationHelper sql, BackupTable table, BackupColumn[] columns)
        {
            _connection = connection;
            _transaction = transaction;
            _columns = columns;
            // SQLite binds parameters by name with a linear lookup, so large statements cost
            // quadratically there; PostgreSQL gains from fewer round trips.
            _batch = connection is Microsoft.Data.Sqlite.SqliteConnection ? 8 : Math.Max(1, Math.Min(100, 30_000 / Math.Max(1, columns.Length)));
            _prefix = $"INSERT INTO {table.QuotedName} ({string.Join(", ", columns.Select(c => sql.DelimitIdentifier(c.Name)))}) VALUES ";
        }

        public async Task AddAsync(object?[] values, CancellationToken cancellationToken)
        {
            for (var i = 0; i < _columns.Length; i++)
            {
                _pending.Add(RowStream.ToProvider(values[i], _columns[i]));
            }

            if (_pending.Count == _batch * _columns.Length)
            {
                _full ??= Command(_batch);
                await ExecuteAsync(_full, cancellationToken);
            }
        }

        public async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (_pending.Count > 0)
            {
                using var last = Command(_pending.Count / _columns.Length);
                await ExecuteAsync(last, cancellationToken);
            }
        }

        private async Task ExecuteAsync(DbCommand command, CancellationToken cancellationToken)
        {
            for (var i = 0; i < _pending.Count; i++)
            {
                command.Parameters[i].Value = _pending[i];
            }

            await command.ExecuteNonQueryAsync(cancellationToken);
            _pending.Clear();
        }

        private DbCommand Command(int rows)
        {
            var command = _connection.CreateCommand();
            command.Transaction = _transaction;
            var text = new StringBuilder(_prefix);
            var n = 0;
            for (var r = 0; r < rows; r++)
            {
                text.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < _columns.Length; c++)
                {
                    var name = "@p" + n.ToString(CultureInfo.InvariantCulture);
                    text.Append(c == 0 ? name : ", " + name);
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = name;
                    command.Parameters.Add(parameter);
                    n++;
                }

                text.Append(')');
            }

            command.CommandText = text.ToString();
            return command;
        }

        public void Dispose() => _full?.Dispose();
    }
}
