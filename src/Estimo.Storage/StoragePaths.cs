using Estimo.Storage.Security;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;

namespace Estimo.Storage;

/// <summary>Resolves the configured relative paths against one base directory.</summary>
internal sealed class StoragePaths(string baseDirectory)
{
    public static StoragePaths For(IHostEnvironment? environment) =>
        new(environment?.ContentRootPath ?? Directory.GetCurrentDirectory());

    public string DataDirectory(StorageOptions options) => Path.GetFullPath(options.DataDirectory, baseDirectory);

    /// <summary>The configured keyring, else <c>keys/keyring.json</c> beside the data directory.</summary>
    public string KeyringFile(LocalKeyOptions keyOptions, StorageOptions storageOptions) =>
        string.IsNullOrWhiteSpace(keyOptions.KeyringFile)
            ? Path.GetFullPath(Path.Combine(DataDirectory(storageOptions), "..", "keys", "keyring.json"))
            : Path.GetFullPath(keyOptions.KeyringFile, baseDirectory);

    /// <summary>The former key file, else <c>keys/local.key</c> beside the data directory.</summary>
    public string KeyFile(LocalKeyOptions keyOptions, StorageOptions storageOptions) =>
        string.IsNullOrWhiteSpace(keyOptions.KeyFile)
            ? Path.GetFullPath(Path.Combine(DataDirectory(storageOptions), "..", "keys", "local.key"))
            : Path.GetFullPath(keyOptions.KeyFile, baseDirectory);

    /// <summary>The local backup target and the backups' working space.</summary>
    public string BackupDirectory(Backups.BackupOptions options, StorageOptions storageOptions) =>
        string.IsNullOrWhiteSpace(options.Directory)
            ? Path.GetFullPath(Path.Combine(DataDirectory(storageOptions), "..", "backups"))
            : Path.GetFullPath(options.Directory, baseDirectory);

    /// <summary>
    /// The SQLite connection string: the override if set, else <c>estimo.db</c> in the data
    /// directory, which is created (owner-only) so the first open can create the file.
    /// </summary>
    public string SqliteConnectionString(StorageOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return options.ConnectionString;
        }

        var directory = DataDirectory(options);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(directory, StorageOptions.SqliteFileName),
            Mode = SqliteOpenMode.ReadWriteCreate,
        }.ToString();
    }
}
