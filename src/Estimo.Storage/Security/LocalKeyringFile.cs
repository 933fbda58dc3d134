using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Estimo.Storage.Security;

/// <summary>
/// The local keyring file: one or more KEKs with ids, one of them primary.
/// </summary>
/// <remarks>
/// <para>UTF-8 JSON:
/// <c>{"version":2,"primary":"kek-…","keys":[{"id":"kek-…","key":"&lt;base64 of 32 bytes&gt;","createdAt":"…"}]}</c>.</para>
/// <para>Created on first run with mode 0600 inside a 0700 directory. Every write goes to a
/// temporary 0600 file that is then renamed over the keyring, so a reader never sees half a
/// file. Refused when group or others have any access, when it is not that JSON, when a key
/// is not 32 bytes, when ids repeat, or when the primary is missing.</para>
/// <para>If the keyring does not exist but the former single key file (<c>local.key</c>,
/// <c>{"version":1,"keyId":…,"key":…}</c>) does, its key is imported as the primary KEK under
/// its own id, so format-1 values stay readable; the old file is left for the operator to
/// delete once a backup of the keyring exists.</para>
/// </remarks>
internal static class LocalKeyringFile
{
    public const int FormatVersion = 2;

    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Creates a keyring with one new primary KEK, or imports the former key file.</summary>
    /// <returns>True when this call created the file; false when another process won the race.</returns>
    public static bool Create(string path, string? legacyKeyFile, out bool imported)
    {
        imported = false;
        Keyring keyring;
        if (legacyKeyFile is not null && File.Exists(legacyKeyFile))
        {
            var legacy = ReadLegacy(legacyKeyFile);
            keyring = new Keyring(legacy.Id, [legacy]);
            imported = true;
        }
        else
        {
            var kek = NewKek(DateTimeOffset.UtcNow);
            keyring = new Keyring(kek.Id, [kek]);
        }

        return Write(path, keyring, overwrite: false);
    }

    public static LocalKek NewKek(DateTimeOffset createdAt) =>
        new($"kek-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}", RandomNumberGenerator.GetBytes(SealedValueFormat.KeySize), createdAt);

    public static Keyring Read(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & GroupOrOther) != 0)
            {
                throw new LocalKeyFileException(path, $"group or others have access (mode {Convert.ToString((int)mode, 8)}); run 'chmod 600 {path}'.");
            }
        }

        byte[] raw;
        try
        {
            raw = File.ReadAllBytes(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new LocalKeyFileException(path, "it could not be read.", exception);
        }

        KeyringDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(raw, KeyringJsonContext.Default.KeyringDocument);
        }
        catch (JsonException exception)
        {
            throw new LocalKeyFileException(path, "it is corrupted (expected JSON with version 2, primary and keys).", exception);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }

        if (document is null || document.Version != FormatVersion || document.Keys is null || document.Keys.Count == 0)
        {
            throw new LocalKeyFileException(path, "it is corrupted (expected JSON with version 2, primary and at least one key).");
        }

        var keys = new List<LocalKek>();
        foreach (var entry in document.Keys)
        {
            if (string.IsNullOrWhiteSpace(entry.Id) || System.Text.Encoding.UTF8.GetByteCount(entry.Id) > SealedValueFormat.MaxKeyIdBytes)
            {
                throw new LocalKeyFileException(path, "a key has no id or an id longer than 255 bytes.");
            }

            if (keys.Any(k => k.Id == entry.Id))
            {
                throw new LocalKeyFileException(path, $"the key id '{entry.Id}' appears twice.");
            }

            var material = new byte[SealedValueFormat.KeySize];
            if (entry.Key is null || !Convert.TryFromBase64String(entry.Key, material, out var length) || length != SealedValueFormat.KeySize)
            {
                throw new LocalKeyFileException(path, $"the key '{entry.Id}' is not 32 bytes of base64.");
            }

            keys.Add(new LocalKek(entry.Id, material, entry.CreatedAt ?? DateTimeOffset.MinValue));
        }

        if (string.IsNullOrWhiteSpace(document.Primary))
        {
            throw new LocalKeyFileException(path, "it names no primary key.");
        }

        if (!keys.Any(k => k.Id == document.Primary))
        {
            throw new LocalKeyFileException(path, $"its primary key '{document.Primary}' is missing from its keys.");
        }

        return new Keyring(document.Primary, keys);
    }

    /// <summary>Writes atomically (temporary file, then rename).</summary>
    public static bool Write(string path, Keyring keyring, bool overwrite)
    {
        var directory = Path.GetDirectoryName(path)!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var document = new KeyringDocument(
            FormatVersion,
            keyring.PrimaryId,
            [.. keyring.Keys.Select(k => new KeyringEntry(k.Id, Convert.ToBase64String(k.Material), k.CreatedAt))]);
        var content = JsonSerializer.SerializeToUtf8Bytes(document, KeyringJsonContext.Default.KeyringDocument);
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temporary, fileOptions))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            try
            {
                File.Move(temporary, path, overwrite);
                return true;
            }
            catch (IOException) when (!overwrite && File.Exists(path))
            {
                // A concurrent first run won the race; its keyring stands.
                return false;
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new LocalKeyFileException(path, "it could not be written.", exception);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
            File.Delete(temporary);
        }
    }

    private static LocalKek ReadLegacy(string path)
    {
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & GroupOrOther) != 0)
        {
            throw new LocalKeyFileException(path, $"group or others have access; run 'chmod 600 {path}' before it is imported into the keyring.");
        }

        LegacyKeyFile? content;
        try
        {
            content = JsonSerializer.Deserialize(File.ReadAllBytes(path), KeyringJsonContext.Default.LegacyKeyFile);
        }
        catch (Exception exception) when (exception is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new LocalKeyFileException(path, "the former key file could not be imported (unreadable or not JSON).", exception);
        }

        var material = new byte[SealedValueFormat.KeySize];
        if (content is null || content.Version != 1 || string.IsNullOrEmpty(content.KeyId) || content.Key is null
            || !Convert.TryFromBase64String(content.Key, material, out var length) || length != SealedValueFormat.KeySize)
        {
            throw new LocalKeyFileException(path, "the former key file could not be imported (expected version 1, keyId and a 32-byte key).");
        }

        return new LocalKek(content.KeyId, material, File.GetLastWriteTimeUtc(path));
    }
}

/// <summary>A loaded keyring: immutable; changes write a new one.</summary>
internal sealed record Keyring(string PrimaryId, IReadOnlyList<LocalKek> Keys)
{
    public LocalKek? Find(string id) => Keys.FirstOrDefault(k => k.Id == id);
}

/// <summary>One KEK of the local keyring.</summary>
internal sealed record LocalKek(string Id, byte[] Material, DateTimeOffset CreatedAt);

internal sealed record KeyringDocument(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("primary")] string? Primary,
    [property: JsonPropertyName("keys")] List<KeyringEntry>? Keys);

internal sealed record KeyringEntry(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("key")] string? Key,
    [property: JsonPropertyName("createdAt")] DateTimeOffset? CreatedAt);

internal sealed record LegacyKeyFile(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("keyId")] string? KeyId,
    [property: JsonPropertyName("key")] string? Key);

[JsonSerializable(typeof(KeyringDocument))]
[JsonSerializable(typeof(LegacyKeyFile))]
internal sealed partial class KeyringJsonContext : JsonSerializerContext;
