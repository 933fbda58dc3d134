using System.Data;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Estimo.Core.Diagnostics;
using Estimo.Core.Security;
using Estimo.Storage.Entities;
using Estimo.Storage.Lifecycle;
using Estimo.Storage.Security;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

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

    // ------------------------------------------------------------------ escrow

    /// <summary>
    /// Rewrites the escrow: the previous escrow's entries and tombstones, the snapshot's key
    /// rows (newer copies win), and an optional new purge. Runs under the escrow lock so a
    /// purge and a backup never lose each other's change.
    /// </summary>
    private async Task<int> UpdateEscrowAsync(Snapshot? snapshot, (string Installation, DateTimeOffset At)? purge, CancellationToken cancellationToken)
    {
        await using var held = await _locks.AcquireAsync(BackupLocks.EscrowKey, TimeSpan.FromMinutes(2), cancellationToken)
            ?? throw new BackupException("the key escrow is locked by another process for over 2 minutes.");
        var previous = await ReadEscrowAsync(cancellationToken);
        KeyEscrow escrow;
        if (snapshot is not null)
        {
            escrow = new KeyEscrow(snapshot.Escrow.Columns);
            if (previous is not null)
            {
                escrow.MergeFrom(previous);
            }

            foreach (var row in snapshot.Escrow.Keys.Values)
            {
                escrow.Put(row);
            }
        }
        else if (previous is not null)
        {
            escrow = previous;
        }
        else
        {
            return 0; // nothing escrowed yet, so nothing to purge from it
        }

        if (purge is { } p)
        {
            escrow.Purge(p.Installation, p.At);
        }

        var createdAt = StorageTime.Normalize(_time.GetUtcNow());
        var id = "escrow-" + ScheduledId(createdAt)[7..];
        var key = await _keys.GenerateDataKeyAsync(BackupKeyContext(id), cancellationToken);
        try
        {
            var manifest = NewManifest("escrow", id, createdAt, null, key);
            await using var prepared = await WriteContainerAsync(manifest, key.Plaintext, writer =>
            {
                WriteEscrow(writer, escrow);
                return Task.CompletedTask;
            }, written => written, cancellationToken);
            await using var staging = await _target.BeginAsync(IBackupTarget.EscrowName, cancellationToken);
            await prepared.WriteToAsync(staging.Stream, cancellationToken);
            await staging.CommitAsync(cancellationToken);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key.Plaintext);
        }

        return escrow.InstallationCount;
    }

    private static void WriteEscrow(BinaryWriter writer, KeyEscrow escrow)
    {
        writer.Write(RowStream.Signature);
        writer.Write("escrow");
        writer.Write((byte)'T');
        writer.Write("installation_keys");
        writer.Write(escrow.Columns.Count);
        foreach (var column in escrow.Columns)
        {
            writer.Write(column);
        }

        foreach (var row in escrow.Keys.Values)
        {
            writer.Write((byte)'R');
            foreach (var value in row)
            {
                RowStream.WriteValue(writer, value);
            }
        }

        writer.Write((byte)'E');
        writer.Write((long)escrow.Keys.Count);
        writer.Write((byte)'T');
        writer.Write(KeyEscrow.PurgedTable);
        writer.Write(2);
        writer.Write("installation_id");
        writer.Write("purged_at");
        foreach (var (installation, at) in escrow.Purged)
        {
            writer.Write((byte)'R');
            RowStream.WriteValue(writer, installation);
            RowStream.WriteValue(writer, new CanonicalInstant(at.UtcTicks));
        }

        writer.Write((byte)'E');
        writer.Write((long)escrow.Purged.Count);
        writer.Write((byte)'Z');
    }

    /// <summary>The latest key escrow, or null when there is none yet.</summary>
    private async Task<KeyEscrow?> ReadEscrowAsync(CancellationToken cancellationToken)
    {
        await using var stream = await _target.OpenReadAsync(IBackupTarget.EscrowName, cancellationToken);
        if (stream is null)
        {
            return null;
        }

        try
        {
            var (manifest, _) = await BackupContainer.ReadManifestAsync(stream, cancellationToken);
            var key = await UnwrapAsync(manifest, cancellationToken);
            using var payload = OpenPayload(stream, manifest, key);
            var rows = RowStreamReader.Open(payload.Reader);
            _ = payload.Reader.ReadString();
            var table = rows.NextTable() ?? throw new BackupCorruptException("the key escrow has no key table.");
            var escrow = new KeyEscrow(table.Columns);
            var values = new object?[table.Columns.Length];
            long read = 0;
            var keyRows = new List<object?[]>();
            while (rows.NextRow(values, ref read))
            {
                keyRows.Add([.. values]);
            }

            var purged = rows.NextTable() ?? throw new BackupCorruptException("the key escrow has no tombstones table.");
            var tombstone = new object?[purged.Columns.Length];
            read = 0;
            while (rows.NextRow(tombstone, ref read))
            {
                escrow.Purge((string)tombstone[0]!, new DateTimeOffset(((CanonicalInstant)tombstone[1]!).UtcTicks, TimeSpan.Zero));
            }

            foreach (var row in keyRows)
            {
                escrow.Put(row);
            }

            if (rows.NextTable() is not null)
            {
                throw new BackupCorruptException("the key escrow has unexpected content.");
            }

            payload.Finish(manifest);
            return escrow;
        }
        catch (BackupException ex)
        {
            throw new BackupException($"the key escrow ({IBackupTarget.EscrowName} in {_target.Description}) cannot be read: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is EndOfStreamException or InvalidDataException or DecoderFallbackException)
        {
            throw new BackupException($"the key escrow ({IBackupTarget.EscrowName} in {_target.Description}) is damaged.", ex);
        }
    }

    /// <summary>Drops a purged installation's data keys from the escrow, leaving a tombstone.</summary>
    public async Task OnInstallationPurgedAsync(string installationId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(installationId);
        var at = StorageTime.Normalize(_time.GetUtcNow());
        await UpdateEscrowAsync(null, (installationId, at), cancellationToken);
        Log.EscrowPurged(_log, installationId);
        await AuditAsync(PurgeActor, "backup.escrow.purged", installationId, new JsonObject { ["target"] = _target.Description }, cancellationToken);
    }

    // ------------------------------------------------------------------ reading and verifying

    private async Task<byte[]> UnwrapAsync(BackupManifest manifest, CancellationToken cancellationToken)
    {
        byte[] wrapped;
        try
        {
            wrapped = Convert.FromBase64String(manifest.WrappedKey);
        }
        catch (FormatException ex)
        {
            throw new BackupCorruptException("the manifest's wrapped key is not base64 (the file is damaged).", ex);
        }

        try
        {
            return await _keys.UnwrapAsync(manifest.KekId, wrapped, BackupKeyContext(manifest.Id), cancellationToken);
        }
        catch (KeyProviderException ex)
        {
            throw new BackupException(
                $"backup {manifest.Id}: its key cannot be unwrapped by the {_keys.Name} key provider (KEK {manifest.KekId}): wrong keyring or KMS key, or the manifest was altered.", ex);
        }
    }

    private sealed class Payload(HashingStream encrypted, ChunkDecryptingStream decrypt, BrotliStream brotli, HashingStream plain, BufferedStream buffered, BinaryReader reader) : IDisposable
    {
        public BinaryReader Reader => reader;

        /// <summary>Checks the digests once everything was read; the final chunk must have been reached.</summary>
        public void Finish(BackupManifest manifest)
        {
            Span<byte> probe = stackalloc byte[1];
            if (buffered.Read(probe) != 0)
            {
                throw new BackupCorruptException("the backup's row stream continues after its end marker.");
            }

            if (plain.HashHex() != manifest.PlaintextSha256)
            {
                throw new BackupCorruptException("the SHA-256 of the backup's content does not match its manifest.");
            }

            if (encrypted.HashHex() != manifest.PayloadSha256 || encrypted.BytesCount != manifest.PayloadBytes)
            {
                throw new BackupCorruptException("the SHA-256 of the backup's payload does not match its manifest.");
            }
        }

        public void Dispose()
        {
            reader.Dispose();
            buffered.Dispose();
            plain.Dispose();
            brotli.Dispose();
            decrypt.Dispose();
            encrypted.Dispose();
        }
    }

    private static Payload OpenPayload(Stream stream, BackupManifest manifest, byte[] key)
    {
        if (manifest.Compression != Compression || manifest.Encryption != Encryption || manifest.ChunkSize is < 1 or > 64 * 1024 * 1024)
        {
            throw new BackupCorruptException($"the backup uses {manifest.Compression}/{manifest.Encryption}, which this build does not read.");
        }

        byte[] prefix;
        try
        {
            prefix = Convert.FromBase64String(manifest.NoncePrefix);
        }
        catch (FormatException ex)
        {
            throw new BackupCorruptException("the manifest's nonce prefix is invalid.", ex);
        }

        if (prefix.Length != 4)
        {
            throw new BackupCorruptException("the manifest's nonce prefix is invalid.");
        }

        var encrypted = new HashingStream(stream, leaveOpen: true);
        var decrypt = new ChunkDecryptingStream(encrypted, key, manifest.Binding(), prefix, manifest.ChunkSize);
        var brotli = new BrotliStream(decrypt, CompressionMode.Decompress, leaveOpen: true);
        var plain = new HashingStream(brotli, leaveOpen: true);
        var buffered = new BufferedStream(plain, 1 << 16);
        return new Payload(encrypted, decrypt, brotli, plain, buffered, RowStream.Reader(buffered));
    }

    /// <summary>Reads the whole backup: every chunk authenticated, digests, counts and schema checked against the manifest.</summary>
    public async Task<BackupVerification> VerifyAsync(string id, CancellationToken cancellationToken)
    {
        CheckId(id);
        await using var stream = await _target.OpenReadAsync(FileName(id), cancellationToken)
            ?? throw new BackupException($"backup {id} does not exist in {_target.Description}.");
        var (manifest, key) = await VerifyStreamAsync(id, stream, cancellationToken);
        CryptographicOperations.ZeroMemory(key);
        return new BackupVerification(id, manifest, stream.Length);
    }

    private async Task<(BackupManifest Manifest, byte[] Key)> VerifyStreamAsync(string id, Stream stream, CancellationToken cancellationToken)
    {
        var (manifest, _) = await BackupContainer.ReadManifestAsync(stream, cancellationToken);
        if (manifest.Kind != "backup" || manifest.Id != id)
        {
            throw new BackupCorruptException($"the file named {id} holds {manifest.Kind} {manifest.Id}.");
        }

        var key = await UnwrapAsync(manifest, cancellationToken);
        try
        {
            using var payload = OpenPayload(stream, manifest, key);
            var rows = RowStreamReader.Open(payload.Reader);
            var schemaVersion = payload.Reader.ReadString();
            if (schemaVersion != manifest.SchemaVersion || SchemaNameOf(schemaVersion) != manifest.SchemaName)
            {
                throw new BackupCorruptException("the backup's schema version does not match its manifest.");
            }

            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            while (rows.NextTable() is { } table)
            {
                var values = new object?[table.Columns.Length];
                long read = 0;
                while (rows.NextRow(values, ref read))
                {
                }

                counts[table.Name] = read;
            }

            if (counts.Count != manifest.Tables.Count || counts.Any(c => !manifest.Tables.TryGetValue(c.Key, out var n) || n != c.Value))
            {
                throw new BackupCorruptException("the backup's row counts do not match its manifest.");
            }

            payload.Finish(manifest);
            return (manifest, key);
        }
        catch (Exception ex) when (ex is InvalidDataException or DecoderFallbackException or IOException)
        {
            CryptographicOperations.ZeroMemory(key);
            throw new BackupCorruptException($"backup {id} is damaged ({ex.GetType().Name}).", ex);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(key);
            throw;
        }
    }

    internal static string SchemaNameOf(string migrationId)
    {
        var underscore = migrationId.IndexOf('_', StringComparison.Ordinal);
        return underscore >= 0 ? migrationId[(underscore + 1)..] : migrationId;
    }

    // ------------------------------------------------------------------ restore

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

    // ------------------------------------------------------------------ drill

    /// <summary>
    /// Restores backup <paramref name="id"/> into a scratch database, checks every table's row
    /// count against the manifest and opens a sample of sealed values with the escrowed keys;
    /// records the outcome (audit, metric, log). Never throws for a failed drill: the report says so.
    /// </summary>
    public async Task<DrillReport> DrillAsync(string id, string actor, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var at = _time.GetUtcNow();
        RestoreReport? restore = null;
        var decrypted = 0;
        string? reason = null;
        try
        {
            restore = await RestoreCoreAsync(id, actor, dryRun: true, forceNonEmpty: false, async factory => decrypted = await OpenSampleAsync(factory, cancellationToken), cancellationToken);
            if (!restore.CountsMatch)
            {
                var wrong = restore.Tables.First(t => t.Restored + t.SkippedAsPurged != t.InManifest);
                reason = $"table {wrong.Name}: {wrong.Restored} rows restored, the manifest lists {wrong.InManifest}.";
            }
        }
#pragma warning disable CA1031 // Whatever makes a drill fail is its result: recorded, counted, logged.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            reason = ex is BackupException or SecretUnprotectException or KeyProviderException
                ? ex.Message
                : $"{ex.GetType().Name}: {ex.Message.Split('\n')[0].Trim()}";
        }

        var succeeded = reason is null;
        OperationalMetrics.RestoreDrillFinished(succeeded);
        if (succeeded)
        {
            Log.DrillSucceeded(_log, id, clock.ElapsedMilliseconds, decrypted);
        }
        else
        {
            Log.DrillFailed(_log, id, reason!);
        }

        await AuditAsync(actor, "backup.drill", id, new JsonObject
        {
            ["outcome"] = succeeded ? "success" : "failure",
            ["durationMs"] = clock.ElapsedMilliseconds,
            ["valuesDecrypted"] = decrypted,
            ["reason"] = reason,
        }, cancellationToken);
        return new DrillReport(id, at, succeeded, clock.Elapsed, decrypted, reason, restore);
    }

    /// <summary>Opens up to <see cref="BackupOptions.DrillSampleSize"/> sealed values of the scratch database with its own keys.</summary>
    private async Task<int> OpenSampleAsync(IDbContextFactory<EstimoDbContext> scratch, CancellationToken cancellationToken)
    {
        using var ring = new DataKeyRing(scratch, _keys, _security, _time, _loggers.CreateLogger<DataKeyRing>());
        var protector = new EnvelopeSecretProtector(ring, _loggers.CreateLogger<EnvelopeSecretProtector>());
        await using var db = await scratch.CreateDbContextAsync(cancellationToken);
        var sample = Math.Max(1, _options.DrillSampleSize);
        var sessions = await db.PokerSessions.AsNoTracking().OrderBy(s => s.UpdatedAt).Take(sample)
            .Select(s => new { s.Id, s.InstallationId, s.SealedState }).ToListAsync(cancellationToken);
        var tokens = await db.SystemTokens.AsNoTracking().OrderBy(t => t.UpdatedAt).Take(sample)
            .Select(t => new { t.InstallationId, t.SealedToken }).ToListAsync(cancellationToken);
        var opened = 0;
        foreach (var session in sessions)
        {
            var plain = await protector.UnprotectAsync(session.SealedState, Sessions.EfPokerSessionStore.Binding(session.InstallationId, session.Id), cancellationToken);
            CryptographicOperations.ZeroMemory(plain);
            opened++;
        }

        foreach (var token in tokens)
        {
            var plain = await protector.UnprotectAsync(token.SealedToken, Installations.EfSystemTokenCache.Binding(token.InstallationId), cancellationToken);
            CryptographicOperations.ZeroMemory(plain);
            opened++;
        }

        return opened;
    }

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
