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
