namespace Estimo.Storage.Backups;

/// <summary>
/// Where backup files are kept. Names are flat (<c>estimo-20261129T030000Z.estimo-backup</c>,
/// <see cref="EscrowName"/>); a target never holds a file half-written: a write goes to a
/// staging place and appears under its name only on <see cref="IBackupStaging.CommitAsync"/>.
/// </summary>
public interface IBackupTarget
{
    /// <summary>The name the key escrow is kept under (only its latest copy).</summary>
    public const string EscrowName = "key-escrow.estimo-escrow";

    /// <summary>For messages and audit: <c>local:/path</c>, <c>s3://bucket/prefix</c>.</summary>
    string Description { get; }

    /// <summary>Starts writing <paramref name="name"/>; disposing the staging without committing removes every partial byte.</summary>
    Task<IBackupStaging> BeginAsync(string name, CancellationToken cancellationToken);

    /// <summary>The backup files (not the escrow), any order.</summary>
    Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Opens a file for reading; the stream is seekable. Null when it does not exist.</summary>
    Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken);

    Task DeleteAsync(string name, CancellationToken cancellationToken);
}

/// <summary>A file being written to a target.</summary>
public interface IBackupStaging : IAsyncDisposable
{
    Stream Stream { get; }

    /// <summary>Makes the file appear under its name (replacing an older copy of the same name).</summary>
    Task CommitAsync(CancellationToken cancellationToken);
}
