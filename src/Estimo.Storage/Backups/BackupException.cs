namespace Estimo.Storage.Backups;

/// <summary>
/// A backup, restore or drill cannot proceed; the message is one line an operator can act on
/// (it names the backup and the problem, never key material or data).
/// </summary>
public class BackupException : Exception
{
    public BackupException(string message)
        : base(message)
    {
    }

    public BackupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public BackupException()
    {
    }
}

/// <summary>
/// The anchor store refused to keep an audit anchor write-once: S3 answers a PutObject with
/// Object Lock headers with <c>400 InvalidRequest</c> when the bucket was not created with Object
/// Lock enabled. A configuration problem that does not go away by retrying; the message names
/// the bucket and says what to fix.
/// </summary>
public sealed class AuditAnchorRetentionException : BackupException
{
    public AuditAnchorRetentionException(string message)
        : base(message)
    {
    }

    public AuditAnchorRetentionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AuditAnchorRetentionException()
    {
    }
}

/// <summary>The backup file is damaged: tampered, truncated, or not a backup at all.</summary>
public sealed class BackupCorruptException : BackupException
{
    public BackupCorruptException(string message)
        : base(message)
    {
    }

    public BackupCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public BackupCorruptException()
    {
    }
}
