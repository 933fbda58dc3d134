namespace Estimo.Storage;

/// <summary>How instants are normalised before they are stored.</summary>
internal static class StorageTime
{
    /// <summary>
    /// UTC, truncated to whole microseconds: PostgreSQL keeps microseconds and Npgsql only
    /// writes UTC offsets, so both providers then hold and return exactly the same instant
    /// (and "the same event again" compares equal on both).
    /// </summary>
    public static DateTimeOffset Normalize(DateTimeOffset value)
    {
        var ticks = value.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % 10), TimeSpan.Zero);
    }
}
