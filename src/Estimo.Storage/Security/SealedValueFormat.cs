using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Estimo.Core.Security;

namespace Estimo.Storage.Security;

/// <summary>
/// The stored shape of a sealed value, both versions, and the associated data that binds it.
/// </summary>
/// <remarks>
/// <para><b>Format 2</b> (envelope encryption; every new write):</para>
/// <code>
/// [format: 1 byte = 0x02]
/// [KEK id length: 1 byte, 1..255][KEK id: UTF-8]   the KEK that wrapped the DEK when sealed
/// [DEK version: 4 bytes, unsigned big-endian, ≥ 1]
/// [nonce: 12 bytes, random per seal]
/// [ciphertext: same length as the plaintext]
/// [tag: 16 bytes]
/// </code>
/// <para>AES-256-GCM under the installation's DEK of that version. Associated data (not
/// stored): the format byte, the KEK id (4-byte big-endian length + UTF-8), the DEK version
/// (4 bytes big-endian), then table, column, row id and installation id, each length-prefixed
/// the same way. Every header field is therefore authenticated: changing any byte of the
/// value fails the tag, and so does opening it under another binding. The KEK id records the
/// wrapping at seal time; a later re-wrap does not rewrite values, so it is evidence, and the
/// DEK row (not the value) says which KEK unwraps the DEK today.</para>
/// <para><b>Format 1</b> (read only; sealed directly under the former local key):
/// <c>[0x01][key id length][key id][nonce 12][ciphertext][tag 16]</c>, associated data
/// <c>0x01</c>, length-prefixed key id, table, column, row id, installation id. The key is the
/// keyring KEK of that id, imported from the former <c>local.key</c>.</para>
/// </remarks>
internal static class SealedValueFormat
{
    public const byte Version1 = 1;
    public const byte Version2 = 2;
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int KeySize = 32;
    public const int MaxKeyIdBytes = 255;

    /// <summary>Seals in format 2 with a fresh random nonce.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> dek, string kekId, int dekVersion, SecretBinding binding)
    {
        var kekIdBytes = Encoding.UTF8.GetBytes(kekId);
        if (kekIdBytes.Length is 0 or > MaxKeyIdBytes || dekVersion < 1)
        {
            throw new ArgumentException("A KEK id is 1..255 UTF-8 bytes and a DEK version is at least 1.", nameof(kekId));
        }

        var headerSize = 2 + kekIdBytes.Length + 4;
        var output = new byte[headerSize + NonceSize + plaintext.Length + TagSize];
        output[0] = Version2;
        output[1] = (byte)kekIdBytes.Length;
        kekIdBytes.CopyTo(output.AsSpan(2));
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(2 + kekIdBytes.Length), (uint)dekVersion);

        var nonce = output.AsSpan(headerSize, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        var ciphertext = output.AsSpan(headerSize + NonceSize, plaintext.Length);
        var tag = output.AsSpan(headerSize + NonceSize + plaintext.Length, TagSize);
        using var aes = new AesGcm(dek, TagSize);
        aes.Encrypt(nonce, plaintext, ciphertext, tag, AssociatedData(Version2, kekIdBytes, dekVersion, binding));
        return output;
    }

    /// <summary>Reads the header without decrypting.</summary>
    /// <exception cref="SecretUnprotectException">Malformed or an unknown format.</exception>
    public static SealedValueHeader ReadHeader(ReadOnlySpan<byte> value)
    {
        if (value.Length < 2)
        {
            throw new SecretUnprotectException(SecretUnprotectFailure.Malformed);
        }

        var format = value[0];
        if (format is not (Version1 or Version2))
        {
            throw new SecretUnprotectException(SecretUnprotectFailure.UnsupportedVersion);
        }

        int keyIdLength = value[1];
        var headerSize = 2 + keyIdLength + (format == Version2 ? 4 : 0);
        if (keyIdLength == 0 || value.Length < headerSize + NonceSize + TagSize)
        {
            throw new SecretUnprotectException(SecretUnprotectFailure.Malformed);
        }

        string keyId;
        try
        {
            keyId = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(value.Slice(2, keyIdLength));
        }
        catch (DecoderFallbackException)
        {
            throw new SecretUnprotectException(SecretUnprotectFailure.Malformed);
        }

        var dekVersion = 0;
        if (format == Version2)
        {
            var raw = BinaryPrimitives.ReadUInt32BigEndian(value.Slice(2 + keyIdLength, 4));
            if (raw is 0 or > int.MaxValue)
            {
                throw new SecretUnprotectException(SecretUnprotectFailure.Malformed);
            }

            dekVersion = (int)raw;
        }

        return new SealedValueHeader(format, keyId, dekVersion, headerSize);
    }

    /// <summary>Opens a value of either format with the key its header names.</summary>
    /// <exception cref="SecretUnprotectException">The tag does not verify (tampered, wrong binding or wrong key).</exception>
    public static byte[] Open(ReadOnlySpan<byte> value, SealedValueHeader header, ReadOnlySpan<byte> key, SecretBinding binding)
    {
        var ciphertextLength = value.Length - header.Size - NonceSize - TagSize;
        var nonce = value.Slice(header.Size, NonceSize);
        var ciphertext = value.Slice(header.Size + NonceSize, ciphertextLength);
        var tag = value.Slice(header.Size + NonceSize + ciphertextLength, TagSize);
        var plaintext = new byte[ciphertextLength];
        using var aes = new AesGcm(key, TagSize);
        try
        {
            aes.Decrypt(nonce, ciphertext, tag, plaintext, AssociatedData(header.Format, Encoding.UTF8.GetBytes(header.KekId), header.DekVersion, binding));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new SecretUnprotectException(SecretUnprotectFailure.AuthenticationFailed);
        }

        return plaintext;
    }

    /// <summary>Format 1 as the former local-key protector wrote it; kept so tests can make old data.</summary>
    internal static byte[] SealVersion1(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> key, string keyId, SecretBinding binding)
    {
        var idBytes = Encoding.UTF8.GetBytes(keyId);
        var headerSize = 2 + idBytes.Length;
        var output = new byte[headerSize + NonceSize + plaintext.Length + TagSize];
        output[0] = Version1;
        output[1] = (byte)idBytes.Length;
        idBytes.CopyTo(output.AsSpan(2));
        var nonce = output.AsSpan(headerSize, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(headerSize + NonceSize, plaintext.Length), output.AsSpan(headerSize + NonceSize + plaintext.Length, TagSize), AssociatedData(Version1, idBytes, 0, binding));
        return output;
    }

    /// <summary>The length-prefixed associated data of a format; public to the tests that pin it.</summary>
    internal static byte[] AssociatedData(byte format, ReadOnlySpan<byte> kekId, int dekVersion, SecretBinding binding)
    {
        ReadOnlySpan<string> parts = [binding.Table ?? string.Empty, binding.Column ?? string.Empty, binding.RowId ?? string.Empty, binding.InstallationId ?? string.Empty];
        var size = 1 + 4 + kekId.Length + (format == Version2 ? 4 : 0);
        foreach (var part in parts)
        {
            size += 4 + Encoding.UTF8.GetByteCount(part);
        }

        var data = new byte[size];
        var span = data.AsSpan();
        span[0] = format;
        var position = 1;
        BinaryPrimitives.WriteInt32BigEndian(span[position..], kekId.Length);
        kekId.CopyTo(span[(position + 4)..]);
        position += 4 + kekId.Length;
        if (format == Version2)
        {
            BinaryPrimitives.WriteUInt32BigEndian(span[position..], (uint)dekVersion);
            position += 4;
        }

        foreach (var part in parts)
        {
            var written = Encoding.UTF8.GetBytes(part, span[(position + 4)..]);
            BinaryPrimitives.WriteInt32BigEndian(span[position..], written);
            position += 4 + written;
        }

        return data;
    }
}

/// <summary>What a sealed value's header says, read without the key.</summary>
/// <param name="Format">1 or 2.</param>
/// <param name="KekId">Format 2: the KEK that wrapped the DEK at seal time; format 1: the local key's id.</param>
/// <param name="DekVersion">Format 2: the installation's DEK version; format 1: 0.</param>
/// <param name="Size">Bytes before the nonce.</param>
internal readonly record struct SealedValueHeader(byte Format, string KekId, int DekVersion, int Size);
