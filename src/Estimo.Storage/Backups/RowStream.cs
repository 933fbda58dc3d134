using System.Data.Common;
using System.Text;

namespace Estimo.Storage.Backups;

/// <summary>
/// The plaintext inside a backup: tables of rows in a small binary format that is the same
/// for both providers. Values are written as stored (sealed values stay sealed bytes);
/// instants are written as UTC ticks whatever the provider keeps, so a SQLite backup restores
/// into PostgreSQL and back.
/// <code>
/// "estimo-rows/1"
/// per table: 'T' name, column count, column names; per row: 'R' values; then 'E' row count
/// end: 'Z'
/// value: tag byte (0 null, 1 int64, 2 string, 3 bytes, 4 bool, 5 double, 6 instant ticks, 7 decimal, 8 guid) + data
/// </code>
/// </summary>
internal static class RowStream
{
    public const string Signature = "estimo-rows/1";

    private const byte Null = 0;
    private const byte Int64 = 1;
    private const byte Text = 2;
    private const byte Bytes = 3;
    private const byte Boolean = 4;
    private const byte Double = 5;
    private const byte Instant = 6;
    private const byte Decimal = 7;
    private const byte Guid = 8;

    /// <summary>Reads a column of the current row as the canonical value written to a backup.</summary>
    public static object? ReadCanonical(DbDataReader reader, int ordinal, BackupColumn column)
    {
        if (reader.IsDBNull(ordinal))
        {
            return null;
        }

        object provider = column.ProviderType switch
        {
            var t when t == typeof(string) => reader.GetString(ordinal),
            var t when t == typeof(long) => reader.GetInt64(ordinal),
            var t when t == typeof(int) => (long)reader.GetInt32(ordinal),
            var t when t == typeof(short) => (long)reader.GetInt16(ordinal),
            var t when t == typeof(bool) => reader.GetBoolean(ordinal),
            var t when t == typeof(double) => reader.GetDouble(ordinal),
            var t when t == typeof(decimal) => reader.GetDecimal(ordinal),
            var t when t == typeof(byte[]) => reader.GetFieldValue<byte[]>(ordinal),
            var t when t == typeof(DateTimeOffset) => reader.GetFieldValue<DateTimeOffset>(ordinal),
            var t when t == typeof(DateTime) => reader.GetFieldValue<DateTime>(ordinal),
            var t when t == typeof(System.Guid) => reader.GetGuid(ordinal),
            var t => throw new BackupException($"column {column.Name} has a provider type ({t.Name}) backups do not handle yet."),
        };

        var model = Nullable.GetUnderlyingType(column.ModelType) ?? column.ModelType;
        if (model == typeof(DateTimeOffset))
        {
            // SQLite keeps ticks (a converter), PostgreSQL a timestamptz: write the instant.
            var instant = column.Converter is null ? (DateTimeOffset)provider : (DateTimeOffset)column.Converter.ConvertFromProvider(provider)!;
            return new CanonicalInstant(instant.UtcTicks);
        }

        return provider is DateTime dateTime ? new CanonicalInstant(dateTime.ToUniversalTime().Ticks) : provider;
    }

    /// <summary>Turns a canonical value back into what this provider stores in <paramref name="column"/>.</summary>
    public static object ToProvider(object? value, BackupColumn column)
    {
        if (value is null)
        {
            return DBNull.Value;
        }

        if (value is CanonicalInstant instant)
        {
            var at = new DateTimeOffset(instant.UtcTicks, TimeSpan.Zero);
            if (column.Converter is not null)
            {
                return column.Converter.ConvertToProvider(at)!;
            }

            return column.ProviderType == typeof(DateTime) ? at.UtcDateTime : at;
        }

        var target = Nullable.GetUnderlyingType(column.ProviderType) ?? column.ProviderType;
        return value switch
        {
            long number when target == typeof(int) => checked((int)number),
            long number when target == typeof(short) => checked((short)number),
            _ => value,
        };
    }

    public static void WriteValue(BinaryWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.Write(Null);
                break;
            case long number:
                writer.Write(Int64);
                writer.Write(number);
                break;
            case string text:
                writer.Write(Text);
                writer.Write(text);
                break;
            case byte[] bytes:
                writer.Write(Bytes);
                writer.Write7BitEncodedInt(bytes.Length);
                writer.Write(bytes);
                break;
            case bool flag:
                writer.Write(Boolean);
                writer.Write(flag);
                break;
            case double real:
                writer.Write(Double);
                writer.Write(real);
                break;
            case CanonicalInstant instant:
                writer.Write(Instant);
                writer.Write(instant.UtcTicks);
                break;
            case decimal exact:
                writer.Write(Decimal);
                writer.Write(exact);
                break;
            case System.Guid id:
                writer.Write(Guid);
                writer.Write(id.ToByteArray());
                break;
            default:
                throw new BackupException($"a value of type {value.GetType().Name} cannot be written to a backup.");
        }
    }

    public static object? ReadValue(BinaryReader reader)
    {
        var tag = reader.ReadByte();
        return tag switch
        {
            Null => null,
            Int64 => reader.ReadInt64(),
            Text => reader.ReadString(),
            Bytes => reader.ReadBytes(CheckedLength(reader.Read7BitEncodedInt())),
            Boolean => reader.ReadBoolean(),
            Double => reader.ReadDouble(),
            Instant => new CanonicalInstant(reader.ReadInt64()),
            Decimal => reader.ReadDecimal(),
            Guid => new System.Guid(reader.ReadBytes(16)),
            _ => throw new BackupCorruptException($"the backup's row stream has an unknown value tag {tag}."),
        };
    }

    private static int CheckedLength(int length) =>
        length is < 0 or > 256 * 1024 * 1024 ? throw new BackupCorruptException("the backup's row stream has an invalid value length.") : length;

    public static BinaryWriter Writer(Stream stream) => new(stream, new UTF8Encoding(false, true), leaveOpen: true);

    public static BinaryReader Reader(Stream stream) => new(stream, new UTF8Encoding(false, true), leaveOpen: true);
}

/// <summary>An instant as UTC ticks: how every timestamp travels in a backup.</summary>
internal readonly record struct CanonicalInstant(long UtcTicks);

/// <summary>One table of a row stream as it is read: its columns, then its rows one at a time.</summary>
internal sealed class RowStreamReader(BinaryReader reader)
{
    public static RowStreamReader Open(BinaryReader reader)
    {
        string signature;
        try
        {
            signature = reader.ReadString();
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or DecoderFallbackException)
        {
            throw new BackupCorruptException("the backup's row stream does not start with its signature.", ex);
        }

        return signature == RowStream.Signature
            ? new RowStreamReader(reader)
            : throw new BackupCorruptException("the backup's row stream has an unknown signature.");
    }

    /// <summary>The next table's name and columns, or null at the end of the stream.</summary>
    public (string Name, string[] Columns)? NextTable()
    {
        var tag = reader.ReadByte();
        if (tag == (byte)'Z')
        {
            return null;
        }

        if (tag != (byte)'T')
        {
            throw new BackupCorruptException("the backup's row stream is out of step (expected a table).");
        }

        var name = reader.ReadString();
        var count = reader.ReadInt32();
        if (count is < 1 or > 4096)
        {
            throw new BackupCorruptException("the backup's row stream has an invalid column count.");
        }

        var columns = new string[count];
        for (var i = 0; i < count; i++)
        {
            columns[i] = reader.ReadString();
        }

        return (name, columns);
    }

    /// <summary>Reads the next row into <paramref name="values"/>; false at the end of the table (its count checked).</summary>
    public bool NextRow(object?[] values, ref long rowsRead)
    {
        var tag = reader.ReadByte();
        if (tag == (byte)'E')
        {
            var count = reader.ReadInt64();
            return count == rowsRead
                ? false
                : throw new BackupCorruptException("a table in the backup's row stream has a different number of rows than it declares.");
        }

        if (tag != (byte)'R')
        {
            throw new BackupCorruptException("the backup's row stream is out of step (expected a row).");
        }

        for (var i = 0; i < values.Length; i++)
        {
            values[i] = RowStream.ReadValue(reader);
        }

        rowsRead++;
        return true;
    }
}
