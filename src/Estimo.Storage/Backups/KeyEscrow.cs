namespace Estimo.Storage.Backups;

/// <summary>
/// The installations' wrapped data keys (<c>installation_keys</c> rows), kept apart from the
/// backups and only as one latest copy, plus a tombstone per purged installation. A backup
/// alone does not hold the keys of the data in it: restoring reads them from here. When an
/// installation is purged its rows leave the escrow and a tombstone stays, so every older
/// backup that still holds its rows becomes unreadable for it (and restores skip it).
/// </summary>
/// <remarks>
/// Entries accumulate: a data-key version deleted by rotation stays in the escrow, because
/// older backups hold values sealed under it. A version shredded in the database replaces its
/// escrowed copy (the shred reaches backups too).
/// </remarks>
internal sealed class KeyEscrow
{
    public const string PurgedTable = "purged_installations";

    public KeyEscrow(IReadOnlyList<string> columns)
    {
        Columns = columns;
        InstallationColumn = Index("installation_id");
        VersionColumn = Index("version");
        CreatedColumn = Index("created_at");
    }

    public IReadOnlyList<string> Columns { get; }

    /// <summary>Rows by (installation id, version).</summary>
    public SortedDictionary<(string Installation, long Version), object?[]> Keys { get; } = new();

    /// <summary>Purged installations and when they were purged.</summary>
    public SortedDictionary<string, DateTimeOffset> Purged { get; } = new(StringComparer.Ordinal);

    public int InstallationColumn { get; }

    public int VersionColumn { get; }

    public int CreatedColumn { get; }

    public int InstallationCount => Keys.Keys.Select(k => k.Installation).Distinct(StringComparer.Ordinal).Count();

    public void Put(object?[] row)
    {
        var installation = (string)row[InstallationColumn]!;
        var key = (installation, (long)row[VersionColumn]!);
        if (Purged.TryGetValue(installation, out var purgedAt) && row[CreatedColumn] is CanonicalInstant created && created.UtcTicks <= purgedAt.UtcTicks)
        {
            // Read before the purge (a snapshot that raced it): the purge wins.
            return;
        }

        Keys[key] = row;
    }

    /// <summary>Adds <paramref name="previous"/>'s entries and tombstones (columns matched by name).</summary>
    public void MergeFrom(KeyEscrow previous)
    {
        foreach (var (installation, at) in previous.Purged)
        {
            Purge(installation, at);
        }

        var map = Columns.Select(c => previous.Columns.ToList().IndexOf(c)).ToArray();
        foreach (var (key, row) in previous.Keys)
        {
            if (!Keys.ContainsKey(key))
            {
                Put([.. map.Select(i => i < 0 ? null : row[i])]);
            }
        }
    }

    public void Purge(string installationId, DateTimeOffset at)
    {
        if (!Purged.TryGetValue(installationId, out var earlier) || earlier < at)
        {
            Purged[installationId] = at;
        }

        foreach (var key in Keys.Keys.Where(k => k.Installation == installationId).ToList())
        {
            if (Keys[key][CreatedColumn] is not CanonicalInstant created || created.UtcTicks <= at.UtcTicks)
            {
                Keys.Remove(key);
            }
        }
    }

    /// <summary>True when a backup taken at <paramref name="backupAt"/> holds this installation only from before its purge.</summary>
    public bool IsPurgedFor(string installationId, DateTimeOffset backupAt) =>
        Purged.TryGetValue(installationId, out var at) && backupAt <= at;

    private int Index(string column)
    {
        var index = Columns.ToList().IndexOf(column);
        return index >= 0 ? index : throw new BackupException($"installation_keys has no column '{column}'; the key escrow cannot be built.");
    }
}
