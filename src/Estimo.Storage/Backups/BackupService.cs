using System.Data;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Estimo.Core.Diagnostics;
using Estimo.Storage.Entities;
using Estimo.Storage.Lifecycle;
using Estimo.Storage.Security;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Estimo.Storage.Backups;

/// <summary>
/// Takes, lists, verifies and restores backups, and runs restore drills. See docs/operations.md.
/// <list type="bullet">
/// <item>A backup is one consistent snapshot (PostgreSQL: a <c>REPEATABLE READ READ ONLY</c>
/// transaction; SQLite: one read transaction) of every table of the model, written as a row
/// stream (<see cref="RowStream"/>), compressed, and encrypted (<see cref="BackupContainer"/>)
/// under a fresh key wrapped by the key provider's primary KEK. Nothing is written in clear.</item>
/// <item><c>installation_keys</c> goes to the key escrow (<see cref="KeyEscrow"/>), never
/// into a backup, so a purge reaches old backups.</item>
/// <item>A restore verifies the whole file before touching a database, refuses a non-empty
/// database unless forced, refuses a schema this build does not know, and writes everything in
/// one transaction.</item>
/// </list>
/// </summary>
public sealed partial class BackupService : IInstallationPurgeListener
{
    public const string SchedulerActor = "system:scheduler";

    /// <summary>The actor of escrow changes made because an installation was purged.</summary>
    public const string PurgeActor = "system:purge";

    private const string Compression = "brotli";
    private const string Encryption = "AES-256-GCM-chunked";

    private readonly IDbContextFactory<EstimoDbContext> _contexts;
    private readonly StorageOptions _storage;
    private readonly IKeyEncryptionProvider _keys;
    private readonly IBackupTarget _target;
    private readonly BackupOptions _options;
    private readonly IOptions<SecurityOptions> _security;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private readonly BackupLocks _locks;
    private readonly string _workDirectory;

    internal BackupService(
        IDbContextFactory<EstimoDbContext> contexts,
        IOptions<StorageOptions> storage,
        StoragePaths paths,
        IKeyEncryptionProvider keys,
        IBackupTarget target,
        IOptions<BackupOptions> options,
        IOptions<SecurityOptions> security,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        _contexts = contexts;
        _storage = storage.Value;
        _keys = keys;
        _target = target;
        _options = options.Value;
        _security = security;
        _time = time;
        _loggers = loggers;
        _log = loggers.CreateLogger<BackupService>();
        _workDirectory = paths.BackupDirectory(_options, _storage);
        _locks = new BackupLocks(_storage, paths.DataDirectory(_storage));
    }

    /// <summary>Where backups go, for messages.</summary>
    public string TargetDescription => _target.Description;

    /// <summary>Chunk size of new backups; tests make it small to get many chunks.</summary>
    internal int ChunkSize { get; set; } = BackupContainer.DefaultChunkSize;

    [GeneratedRegex("^estimo-[0-9]{8}T[0-9]{6}Z(-[a-z0-9]{1,16})?$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    /// <summary>The id of the backup that runs for a cron occurrence: one id per occurrence, whichever instance takes it.</summary>
    public static string ScheduledId(DateTimeOffset occurrence) =>
        "estimo-" + occurrence.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>When the backup of <paramref name="id"/> was taken (from its name).</summary>
    public static DateTimeOffset TimeOf(string id) =>
        DateTimeOffset.ParseExact(id.AsSpan(7, 16), "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private static string FileName(string id) => id + LocalDirectoryBackupTarget.BackupExtension;

    private static string CheckId(string id) =>
        IdPattern().IsMatch(id) ? id : throw new BackupException($"'{id}' is not a backup id (expected estimo-YYYYMMDDTHHMMSSZ…; see 'estimo-ops backup list').");

    // ------------------------------------------------------------------ backup

    /// <summary>
    /// Takes a backup now. With <paramref name="scheduledFor"/>, the id is that occurrence's
    /// and the backup is skipped when another instance already took it. Then applies retention.
    /// </summary>
    /// <exception cref="BackupException">Another backup is running, or the backup failed (nothing is left behind).</exception>
    public async Task<BackupResult> BackupAsync(string actor, DateTimeOffset? scheduledFor, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var held = await _locks.TryAcquireAsync(BackupLocks.BackupKey, cancellationToken)
            ?? throw new BackupException("another backup is running (the backup lock is held); try again when it has finished.");
        var createdAt = StorageTime.Normalize(_time.GetUtcNow());
        var id = scheduledFor is { } occurrence
            ? ScheduledId(occurrence)
            : ScheduledId(createdAt) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        if (scheduledFor is not null && (await _target.ListAsync(cancellationToken)).Contains(FileName(id), StringComparer.Ordinal))
        {
            Log.ScheduledBackupAlreadyTaken(_log, id);
            return new BackupResult(id, true, createdAt, new Dictionary<string, long>(), 0, 0, clock.Elapsed, []);
        }

        var key = await _keys.GenerateDataKeyAsync(BackupKeyContext(id), cancellationToken);
        try
        {
            var manifest = NewManifest("backup", id, createdAt, scheduledFor, key);
            var snapshot = default(Snapshot);
            await using var prepared = await WriteContainerAsync(
                manifest,
                key.Plaintext,
                async writer => snapshot = await ExportAsync(writer, cancellationToken),
                written => written with { SchemaVersion = snapshot!.SchemaVersion, SchemaName = SchemaNameOf(snapshot.SchemaVersion), Tables = snapshot.Tables },
                cancellationToken);
            var escrowed = await UpdateEscrowAsync(snapshot!, null, cancellationToken);

            try
            {
                await using var staging = await _target.BeginAsync(FileName(id), cancellationToken);
                await prepared.WriteToAsync(staging.Stream, cancellationToken);
                await staging.CommitAsync(cancellationToken);
            }
            catch (IOException ex)
            {
                throw new BackupException($"backup {id} could not be written to {_target.Description} ({ex.Message}); the partial file was removed.", ex);
            }

            OperationalMetrics.BackupCompleted(createdAt);
            var totalRows = snapshot!.Tables.Values.Sum();
            Log.BackupTaken(_log, id, prepared.Bytes, totalRows, clock.ElapsedMilliseconds);
            await AuditAsync(actor, "backup.created", id, new JsonObject
            {
                ["target"] = _target.Description,
                ["bytes"] = prepared.Bytes,
                ["rows"] = snapshot.Tables.Values.Sum(),
                ["schema"] = snapshot.SchemaVersion,
                ["escrowedInstallations"] = escrowed,
                ["durationMs"] = clock.ElapsedMilliseconds,
            }, cancellationToken);

            var deleted = await ApplyRetentionAsync(actor, cancellationToken);
            return new BackupResult(id, false, createdAt, snapshot.Tables, prepared.Bytes, escrowed, clock.Elapsed, deleted);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key.Plaintext);
        }
    }

    /// <summary>Deletes the backups retention does not keep; returns their ids.</summary>
    public async Task<IReadOnlyList<string>> ApplyRetentionAsync(string actor, CancellationToken cancellationToken)
    {
        var backups = await ListAsync(cancellationToken);
        var keep = BackupRetention.Keep(backups.Select(b => b.CreatedAt), _time.GetUtcNow(), _options.Retention);
        var deleted = new List<string>();
        foreach (var backup in backups.Where(b => !keep.Contains(b.CreatedAt)))
        {
            await _target.DeleteAsync(FileName(backup.Id), cancellationToken);
            deleted.Add(backup.Id);
        }

        if (deleted.Count > 0)
        {
            await AuditAsync(actor, "backup.deleted", "retention", new JsonObject
            {
                ["ids"] = new JsonArray([.. deleted.Select(d => (JsonNode)d)]),
                ["dailyDays"] = _options.Retention.DailyDays,
                ["monthlyMonths"] = _options.Retention.MonthlyMonths,
            }, cancellationToken);
        }

        return deleted;
    }

    /// <summary>The backups in the target, oldest first.</summary>
    public async Task<IReadOnlyList<BackupListing>> ListAsync(CancellationToken cancellationToken) =>
        [.. (await _target.ListAsync(cancellationToken))
            .Select(name => name[..^LocalDirectoryBackupTarget.BackupExtension.Length])
            .Where(id => IdPattern().IsMatch(id))
            .Select(id => new BackupListing(id, TimeOf(id)))
            .OrderBy(b => b.CreatedAt).ThenBy(b => b.Id, StringComparer.Ordinal)];

    private BackupManifest NewManifest(string kind, string id, DateTimeOffset createdAt, DateTimeOffset? scheduledFor, WrappedDataKey key) => new()
    {
        Kind = kind,
        Id = id,
        CreatedAt = createdAt,
        ScheduledFor = scheduledFor,
        Provider = _storage.Provider.ToString(),
        SchemaVersion = string.Empty,
        SchemaName = string.Empty,
        Tables = new Dictionary<string, long>(),
        Compression = Compression,
        Encryption = Encryption,
        ChunkSize = ChunkSize,
        KeyProvider = _keys.Name,
        KekId = key.KekId,
        WrappedKey = Convert.ToBase64String(key.Wrapped),
        NoncePrefix = Convert.ToBase64String(RandomNumberGenerator.GetBytes(4)),
    };

    private static DataKeyContext BackupKeyContext(string id) => new("estimo-backup/" + id, 1);

    /// <summary>
    /// Streams rows through hashing, Brotli and chunked encryption into an encrypted spill file
    /// (0600, deleted on close), then returns a writer of the final file (header, manifest with
    /// the digests, payload) and its length. The spill is needed because the manifest, which
    /// precedes the payload, carries the payload's digest.
    /// </summary>
    private async Task<PreparedContainer> WriteContainerAsync(
        BackupManifest manifest, byte[] key, Func<BinaryWriter, Task> writeRows, Func<BackupManifest, BackupManifest> describe, CancellationToken cancellationToken)
    {
        new LocalDirectoryBackupTarget(_workDirectory).EnsureDirectory();
        var spill = LocalDirectoryBackupTarget.OpenPrivate(
            Path.Combine(_workDirectory, $".{manifest.Id}.{Guid.NewGuid():N}.spill"), FileMode.CreateNew, FileAccess.ReadWrite, FileOptions.DeleteOnClose);
        try
        {
            string plainHash;
            string payloadHash;
            long payloadBytes;
            var binding = manifest.Binding();
            using (var encryptedHash = new HashingStream(spill, leaveOpen: true))
            {
                using (var encrypt = new ChunkEncryptingStream(encryptedHash, key, binding, Convert.FromBase64String(manifest.NoncePrefix), manifest.ChunkSize))
                {
                    using (var brotli = new BrotliStream(encrypt, CompressionLevel.Fastest, leaveOpen: true))
                    using (var plain = new HashingStream(brotli, leaveOpen: true))
                    using (var buffered = new BufferedStream(plain, 1 << 16))
                    using (var writer = RowStream.Writer(buffered))
                    {
                        // Values are a few bytes each: buffer them so hashing and Brotli see large blocks.
                        await writeRows(writer);
                        writer.Flush();
                        buffered.Flush();
                        plainHash = plain.HashHex();
                    }

                    encrypt.Finish();
                }

                payloadHash = encryptedHash.HashHex();
                payloadBytes = encryptedHash.BytesCount;
            }

            var finalManifest = describe(manifest) with { PayloadBytes = payloadBytes, PayloadSha256 = payloadHash, PlaintextSha256 = plainHash };
            var manifestBytes = finalManifest.ToBytes();
            var header = BackupContainer.Header(manifestBytes);
            return new PreparedContainer(spill, header, manifestBytes, header.Length + manifestBytes.Length + payloadBytes);
        }
        catch
        {
            await spill.DisposeAsync();
            throw;
        }
    }

    /// <summary>A backup file ready to be written out; disposing it deletes the encrypted spill whatever happened.</summary>
    private sealed class PreparedContainer(FileStream spill, byte[] header, byte[] manifest, long bytes) : IAsyncDisposable
    {
        public long Bytes => bytes;

        public async Task WriteToAsync(Stream destination, CancellationToken cancellationToken)
        {
            await destination.WriteAsync(header, cancellationToken);
            await destination.WriteAsync(manifest, cancellationToken);
            spill.Position = 0;
            await spill.CopyToAsync(destination, 1 << 16, cancellationToken);
            await destination.FlushAsync(cancellationToken);
        }

        public ValueTask DisposeAsync() => spill.DisposeAsync();
    }

    private sealed record Snapshot(string SchemaVersion, IReadOnlyDictionary<string, long> Tables, KeyEscrow Escrow);

    /// <summary>Writes every table but the key table in one consistent snapshot; returns the key rows for the escrow.</summary>
    private async Task<Snapshot> ExportAsync(BinaryWriter writer, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var schema = BackupSchema.For(db);
        var keyTable = KeyTableName(db);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await BeginSnapshotAsync(connection, cancellationToken);

        var schemaVersion = await LatestMigrationAsync(connection, transaction, cancellationToken)
            ?? throw new BackupException("the database has no migrations applied; there is nothing to back up (run 'estimo-ops migrate').");
        writer.Write(RowStream.Signature);
        writer.Write(schemaVersion);

        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        KeyEscrow? escrow = null;
        foreach (var table in schema.Tables)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = SelectAll(db, table);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (table.Name == keyTable)
            {
                escrow = new KeyEscrow([.. table.Columns.Select(c => c.Name)]);
                while (await reader.ReadAsync(cancellationToken))
                {
                    escrow.Put([.. table.Columns.Select((c, i) => RowStream.ReadCanonical(reader, i, c))]);
                }

                continue;
            }

            writer.Write((byte)'T');
            writer.Write(table.Name);
            writer.Write(table.Columns.Count);
            foreach (var column in table.Columns)
            {
                writer.Write(column.Name);
            }

            long rows = 0;
            while (await reader.ReadAsync(cancellationToken))
            {
                writer.Write((byte)'R');
                for (var i = 0; i < table.Columns.Count; i++)
                {
                    RowStream.WriteValue(writer, RowStream.ReadCanonical(reader, i, table.Columns[i]));
                }

                rows++;
            }

            writer.Write((byte)'E');
            writer.Write(rows);
            counts[table.Name] = rows;
        }

        writer.Write((byte)'Z');
        await transaction.CommitAsync(cancellationToken);
        return new Snapshot(schemaVersion, counts, escrow ?? throw new BackupException("the model has no installation_keys table."));
    }

    private async Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        if (_storage.Provider == StorageProvider.PostgreSql)
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            await using var readOnly = connection.CreateCommand();
            readOnly.Transaction = transaction;
            readOnly.CommandText = "SET TRANSACTION READ ONLY";
            await readOnly.ExecuteNonQueryAsync(cancellationToken);
            return transaction;
        }

        // Deferred: the snapshot starts at the first read and writers are not blocked (WAL).
        return ((SqliteConnection)connection).BeginTransaction(deferred: true);
    }

    private static async Task<string?> LatestMigrationAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT \"MigrationId\" FROM \"__EFMigrationsHistory\" ORDER BY \"MigrationId\" DESC LIMIT 1";
        try
        {
            return await command.ExecuteScalarAsync(cancellationToken) as string;
        }
        catch (DbException) when (transaction is null)
        {
            return null; // no history table: a database never migrated
        }
    }

    private static string SelectAll(EstimoDbContext db, BackupTable table)
    {
        var sql = db.GetService<ISqlGenerationHelper>();
        var columns = string.Join(", ", table.Columns.Select(c => sql.DelimitIdentifier(c.Name)));
        var order = table.Key.Count > 0 ? " ORDER BY " + string.Join(", ", table.Key.Select(sql.DelimitIdentifier)) : string.Empty;
        return $"SELECT {columns} FROM {table.QuotedName}{order}";
    }

    private static string KeyTableName(EstimoDbContext db) =>
        db.Model.FindEntityType(typeof(InstallationKeyEntity))!.GetTableName()!;

    private static string InstallationTableName(EstimoDbContext db) =>
        db.Model.FindEntityType(typeof(InstallationEntity))!.GetTableName()!;

    // ------------------------------------------------------------------ audit

    private async Task AuditAsync(string actor, string action, string subject, JsonObject details, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        AuditLog.Add(db, _time.GetUtcNow(), actor, action, subject, details);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The newest audit records of backups and drills, for health and metrics.</summary>
    public async Task<BackupStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var lastBackup = await db.AuditEvents.AsNoTracking().Where(a => a.Action == "backup.created")
            .OrderByDescending(a => a.Id).Select(a => new { a.OccurredAt, a.Subject }).FirstOrDefaultAsync(cancellationToken);
        var lastDrill = await db.AuditEvents.AsNoTracking().Where(a => a.Action == "backup.drill")
            .OrderByDescending(a => a.Id).Select(a => new { a.OccurredAt, a.Subject, a.Details }).FirstOrDefaultAsync(cancellationToken);
        DrillStatus? drill = null;
        if (lastDrill is not null)
        {
            var details = JsonNode.Parse(lastDrill.Details)?.AsObject();
            drill = new DrillStatus(
                lastDrill.Subject,
                lastDrill.OccurredAt,
                details?["outcome"]?.GetValue<string>() == "success",
                details?["reason"]?.GetValue<string>());
        }

        return new BackupStatus(lastBackup?.Subject, lastBackup?.OccurredAt, drill);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3200, Level = LogLevel.Information, Message = "Backup {BackupId} taken: {Bytes} bytes, {Rows} rows in {ElapsedMs} ms")]
        public static partial void BackupTaken(ILogger logger, string backupId, long bytes, long rows, long elapsedMs);

        [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Backup {BackupId} was already taken by another instance; skipping")]
        public static partial void ScheduledBackupAlreadyTaken(ILogger logger, string backupId);

        [LoggerMessage(EventId = 3202, Level = LogLevel.Information, Message = "Backup {BackupId} restored (dry run: {DryRun}): {Rows} rows in {ElapsedMs} ms")]
        public static partial void Restored(ILogger logger, string backupId, bool dryRun, long rows, long elapsedMs);

        [LoggerMessage(EventId = 3206, Level = LogLevel.Warning, Message = "Restore of backup {BackupId} refused: a remote is running against the database (not audited: the database is empty or has no audit table)")]
        public static partial void RefusalNotAudited(ILogger logger, string backupId, Exception? exception);

        [LoggerMessage(EventId = 3203, Level = LogLevel.Information, Message = "Restore drill of backup {BackupId} succeeded in {ElapsedMs} ms ({Values} sealed values opened)")]
        public static partial void DrillSucceeded(ILogger logger, string backupId, long elapsedMs, int values);

        [LoggerMessage(EventId = 3204, Level = LogLevel.Error, Message = "Restore drill of backup {BackupId} FAILED: {Reason}")]
        public static partial void DrillFailed(ILogger logger, string backupId, string reason);

        [LoggerMessage(EventId = 3205, Level = LogLevel.Information, Message = "Installation {InstallationId} removed from the backup key escrow; backups holding it are unreadable for it")]
        public static partial void EscrowPurged(ILogger logger, string installationId);
    }
}

/// <summary>The newest backup and drill, as recorded in the audit log.</summary>
public sealed record BackupStatus(string? LastBackupId, DateTimeOffset? LastBackupAt, DrillStatus? LastDrill);

/// <summary>The newest restore drill.</summary>
public sealed record DrillStatus(string BackupId, DateTimeOffset At, bool Succeeded, string? Reason);
