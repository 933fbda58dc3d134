namespace Estimo.Storage.Backups;

/// <summary>
/// Backups as files in a local directory (mode 0700; files 0600). A file is written under a
/// hidden <c>.partial</c> name and renamed into place once complete and flushed to disk, so a
/// crash or a full disk leaves either the whole file or nothing under the real name; a
/// failed write deletes its partial file. Exported audit anchors go to the <c>audit-anchors</c>
/// subdirectory, which backup listing and retention never look into.
/// </summary>
public sealed class LocalDirectoryBackupTarget : IBackupTarget, IAuditAnchorStore
{
    public const string BackupExtension = ".estimo-backup";

    public LocalDirectoryBackupTarget(string directory)
    {
        Directory = Path.GetFullPath(directory);
    }

    public string Directory { get; }

    public string Description => $"local:{Directory}";

    public string AnchorsDescription => $"local:{AnchorDirectory}";

    private string AnchorDirectory => Path.Combine(Directory, AuditAnchorNames.Folder);

    public Task<IBackupStaging> BeginAsync(string name, CancellationToken cancellationToken)
    {
        EnsureDirectory();
        var final = PathOf(name);
        var partial = Path.Combine(Directory, $".{name}.{Guid.NewGuid():N}.partial");
        var stream = OpenPrivate(partial, FileMode.CreateNew, FileAccess.Write);
        return Task.FromResult<IBackupStaging>(new Staging(stream, partial, final));
    }

    public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return Task.FromResult<IReadOnlyList<string>>([]);
        }

        return Task.FromResult<IReadOnlyList<string>>(
            [.. System.IO.Directory.EnumerateFiles(Directory, "*" + BackupExtension).Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.'))]);
    }

    public Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        return Task.FromResult<Stream?>(File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous)
            : null);
    }

    public Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(name));
        return Task.CompletedTask;
    }

    public async Task PutAnchorAsync(Security.AuditAnchor anchor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        EnsureDirectory();
        CreatePrivateDirectory(AnchorDirectory);
        var final = Path.Combine(AnchorDirectory, AuditAnchorNames.For(anchor.Sequence));
        var partial = Path.Combine(AnchorDirectory, $".{AuditAnchorNames.For(anchor.Sequence)}.{Guid.NewGuid():N}.partial");
        try
        {
            await using (var stream = OpenPrivate(partial, FileMode.CreateNew, FileAccess.Write))
            {
                await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(anchor.ToJsonLine() + "\n"), cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            File.Move(partial, final, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    public Task<bool> HasAnchorAsync(long sequence, CancellationToken cancellationToken) =>
        Task.FromResult(File.Exists(Path.Combine(AnchorDirectory, AuditAnchorNames.For(sequence))));

    public async Task<IReadOnlyList<ExportedAuditAnchor>> ReadAnchorsAsync(CancellationToken cancellationToken)
    {
        if (!System.IO.Directory.Exists(AnchorDirectory))
        {
            return [];
        }

        var anchors = new List<ExportedAuditAnchor>();
        foreach (var path in System.IO.Directory.EnumerateFiles(AnchorDirectory, "*" + AuditAnchorNames.Extension).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith('.'))
            {
                continue;
            }

            anchors.Add(new ExportedAuditAnchor(name, AuditAnchorNames.Parse(name, await File.ReadAllTextAsync(path, cancellationToken))));
        }

        return anchors;
    }

    /// <summary>Creates the directory owner-only (0700).</summary>
    public void EnsureDirectory() => CreatePrivateDirectory(Directory);

    private static void CreatePrivateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(directory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>A new file readable and writable by the owner only (0600), whatever the umask.</summary>
    internal static FileStream OpenPrivate(string path, FileMode mode, FileAccess access, FileOptions options = FileOptions.None)
    {
        var fileOptions = new FileStreamOptions { Mode = mode, Access = access, Share = FileShare.None, BufferSize = 1 << 16, Options = options };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, fileOptions);
    }

    private string PathOf(string name)
    {
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name.StartsWith('.'))
        {
            throw new BackupException($"'{name}' is not a backup file name.");
        }

        return Path.Combine(Directory, name);
    }

    private sealed class Staging(FileStream stream, string partial, string final) : IBackupStaging
    {
        private bool _committed;

        public Stream Stream => stream;

        public async Task CommitAsync(CancellationToken cancellationToken)
        {
            await stream.FlushAsync(cancellationToken);
            stream.Flush(flushToDisk: true);
            await stream.DisposeAsync();
            File.Move(partial, final, overwrite: true);
            _committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await stream.DisposeAsync();
            }
            catch (IOException)
            {
                // A full disk fails the final flush again; the partial file goes either way.
            }

            if (!_committed)
            {
                File.Delete(partial);
            }
        }
    }
}
