using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Estimo.Storage.Backups;

/// <summary>The key escrow: installations' wrapped data keys, kept apart from the backups (see <see cref="KeyEscrow"/>).</summary>
public sealed partial class BackupService
{
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
}
