using Microsoft.Data.Sqlite;

namespace Estimo.Storage.Tests.Support;

/// <summary>A fresh SQLite file in a temporary data directory.</summary>
public sealed class SqliteStorageFixture : StorageFixture
{
    public override StorageProvider Provider => StorageProvider.Sqlite;

    public string DatabaseFile => Path.Combine(DataDirectory, StorageOptions.SqliteFileName);

    protected override Task<Dictionary<string, string?>?> PrepareAsync() =>
        Task.FromResult<Dictionary<string, string?>?>(new() { ["Storage:Provider"] = "Sqlite" });

    public override async Task<byte[]> ReadRawDataAsync(CancellationToken cancellationToken)
    {
        // Pooled connections keep the file open; the bytes on disk are what matters.
        SqliteConnection.ClearAllPools();
        var bytes = new List<byte>(await File.ReadAllBytesAsync(DatabaseFile, cancellationToken));
        foreach (var sidecar in new[] { "-wal", "-journal" })
        {
            if (File.Exists(DatabaseFile + sidecar))
            {
                bytes.AddRange(await File.ReadAllBytesAsync(DatabaseFile + sidecar, cancellationToken));
            }
        }

        return [.. bytes];
    }

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return base.DisposeAsync();
    }
}
