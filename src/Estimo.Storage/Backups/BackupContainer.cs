using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Estimo.Storage.Backups;

/// <summary>
/// The backup file format, version 1:
/// <code>
/// [magic "ESTIMOBK": 8 bytes][format version: 2 bytes BE = 1][manifest length: 4 bytes BE]
/// [manifest: UTF-8 JSON, see BackupManifest]
/// [payload: chunk*]
/// chunk = [plaintext length: 4 bytes BE, 0..ChunkSize][ciphertext][GCM tag: 16 bytes]
/// </code>
/// The payload is the row stream compressed (Brotli) and then encrypted with AES-256-GCM
/// under the backup's own random key, in chunks. Chunk i uses the nonce
/// <c>noncePrefix(4) || i (8 bytes BE)</c> and the associated data
/// <c>manifest binding (32) || i (8 bytes BE) || final flag (1)</c>, so a chunk that is
/// altered, moved, dropped from the end, or cut off fails to open, and so does a manifest
/// that was edited. The last chunk is the only one flagged final; bytes after it are refused.
/// </summary>
internal static class BackupContainer
{
    public const int FormatVersion = 1;
    public const int DefaultChunkSize = 1 << 20;
    public const int TagSize = 16;
    public const int MaxManifestSize = 1 << 20;

    private static ReadOnlySpan<byte> Magic => "ESTIMOBK"u8;

    public static byte[] Header(byte[] manifest)
    {
        var header = new byte[8 + 2 + 4];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(8), FormatVersion);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(10), manifest.Length);
        return header;
    }

    /// <summary>Reads the header and manifest; the stream is left at the first chunk.</summary>
    public static async Task<(BackupManifest Manifest, long PayloadOffset)> ReadManifestAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[14];
        if (!await ReadFullyAsync(stream, header, cancellationToken))
        {
            throw new BackupCorruptException("the file is too short to be a backup (truncated?).");
        }

        if (!header.AsSpan(0, 8).SequenceEqual(Magic))
        {
            throw new BackupCorruptException("the file is not an Estimo backup (wrong magic bytes).");
        }

        var version = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(8));
        if (version != FormatVersion)
        {
            throw new BackupCorruptException($"the backup has format version {version}; this build reads version {FormatVersion}.");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(10));
        if (length is <= 0 or > MaxManifestSize)
        {
            throw new BackupCorruptException("the backup's manifest length is invalid (the file is damaged).");
        }

        var manifest = new byte[length];
        if (!await ReadFullyAsync(stream, manifest, cancellationToken))
        {
            throw new BackupCorruptException("the backup ends inside its manifest (truncated).");
        }

        return (BackupManifest.Parse(manifest), 14L + length);
    }

    internal static async Task<bool> ReadFullyAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer[read..], cancellationToken);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    internal static byte[] Nonce(ReadOnlySpan<byte> prefix, long index)
    {
        var nonce = new byte[12];
        prefix.CopyTo(nonce);
        BinaryPrimitives.WriteInt64BigEndian(nonce.AsSpan(4), index);
        return nonce;
    }

    internal static byte[] AssociatedData(ReadOnlySpan<byte> binding, long index, bool final)
    {
        var data = new byte[32 + 8 + 1];
        binding.CopyTo(data);
        BinaryPrimitives.WriteInt64BigEndian(data.AsSpan(32), index);
        data[40] = final ? (byte)1 : (byte)0;
        return data;
    }
}

/// <summary>Write-only stream that encrypts what it is given into <see cref="BackupContainer"/> chunks.</summary>
internal sealed class ChunkEncryptingStream : Stream
{
    private readonly Stream _inner;
    private readonly AesGcm _aes;
    private readonly byte[] _binding;
    private readonly byte[] _noncePrefix;
    private readonly byte[] _buffer;
    private int _buffered;
    private long _index;
    private bool _finished;

    public ChunkEncryptingStream(Stream inner, byte[] key, byte[] binding, byte[] noncePrefix, int chunkSize)
    {
        _inner = inner;
        _aes = new AesGcm(key, BackupContainer.TagSize);
        _binding = binding;
        _noncePrefix = noncePrefix;
        _buffer = new byte[chunkSize];
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        while (!buffer.IsEmpty)
        {
            if (_buffered == _buffer.Length)
            {
                // Only now is it known that this chunk is not the last.
                EmitChunk(final: false);
            }

            var n = Math.Min(buffer.Length, _buffer.Length - _buffered);
            buffer[..n].CopyTo(_buffer.AsSpan(_buffered));
            _buffered += n;
            buffer = buffer[n..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes the last chunk (flagged final). Must be called once, after everything was written.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }

        EmitChunk(final: true);
        _finished = true;
        _inner.Flush();
    }

    private void EmitChunk(bool final)
    {
        var output = new byte[4 + _buffered + BackupContainer.TagSize];
        BinaryPrimitives.WriteInt32BigEndian(output, _buffered);
        _aes.Encrypt(
            BackupContainer.Nonce(_noncePrefix, _index),
            _buffer.AsSpan(0, _buffered),
            output.AsSpan(4, _buffered),
            output.AsSpan(4 + _buffered, BackupContainer.TagSize),
            BackupContainer.AssociatedData(_binding, _index, final));
        _inner.Write(output);
        _index++;
        _buffered = 0;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes.Dispose();
            CryptographicOperations.ZeroMemory(_buffer);
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// Read-only stream over <see cref="BackupContainer"/> chunks: returns plaintext only from
/// chunks whose tag verified, and throws <see cref="BackupCorruptException"/> on any damage,
/// including a payload that ends before its final chunk or continues after it.
/// </summary>
internal sealed class ChunkDecryptingStream : Stream
{
    private readonly Stream _inner;
    private readonly AesGcm _aes;
    private readonly byte[] _binding;
    private readonly byte[] _noncePrefix;
    private readonly int _chunkSize;
    private byte[] _plain = [];
    private int _position;
    private long _index;
    private bool _sawFinal;

    public ChunkDecryptingStream(Stream inner, byte[] key, byte[] binding, byte[] noncePrefix, int chunkSize)
    {
        _inner = inner;
        _aes = new AesGcm(key, BackupContainer.TagSize);
        _binding = binding;
        _noncePrefix = noncePrefix;
        _chunkSize = chunkSize;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_position == _plain.Length)
        {
            if (_sawFinal)
            {
                return 0;
            }

            NextChunk();
        }

        var n = Math.Min(buffer.Length, _plain.Length - _position);
        _plain.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    private void NextChunk()
    {
        Span<byte> lengthBytes = stackalloc byte[4];
        if (!ReadAll(lengthBytes))
        {
            throw new BackupCorruptException("the backup's payload ends before its final chunk (the file is truncated).");
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(lengthBytes);
        if (length < 0 || length > _chunkSize)
        {
            throw new BackupCorruptException($"chunk {_index} of the backup has an invalid length (the file is damaged).");
        }

        var sealedChunk = new byte[length + BackupContainer.TagSize];
        if (!ReadAll(sealedChunk))
        {
            throw new BackupCorruptException($"the backup's payload ends inside chunk {_index} (the file is truncated).");
        }

        var plain = new byte[length];
        var nonce = BackupContainer.Nonce(_noncePrefix, _index);
        var tag = sealedChunk.AsSpan(length);
        try
        {
            _aes.Decrypt(nonce, sealedChunk.AsSpan(0, length), tag, plain, BackupContainer.AssociatedData(_binding, _index, final: false));
        }
        catch (AuthenticationTagMismatchException)
        {
            try
            {
                _aes.Decrypt(nonce, sealedChunk.AsSpan(0, length), tag, plain, BackupContainer.AssociatedData(_binding, _index, final: true));
                _sawFinal = true;
            }
            catch (AuthenticationTagMismatchException ex)
            {
                throw new BackupCorruptException(
                    $"chunk {_index} of the backup does not authenticate: the file or its manifest was altered, chunks were reordered, or the key is wrong.", ex);
            }
        }

        if (_sawFinal && _inner.ReadByte() != -1)
        {
            throw new BackupCorruptException("the backup has data after its final chunk (the file was altered).");
        }

        _plain = plain;
        _position = 0;
        _index++;
    }

    private bool ReadAll(Span<byte> buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = _inner.Read(buffer[read..]);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>A pass-through stream that hashes (SHA-256) and counts every byte that crosses it.</summary>
internal sealed class HashingStream(Stream inner, bool leaveOpen = false) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long BytesCount { get; private set; }

    public string HashHex() => Convert.ToHexStringLower(_hash.GetCurrentHash());

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        _hash.AppendData(buffer[..n]);
        BytesCount += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        _hash.AppendData(buffer.Span[..n]);
        BytesCount += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        BytesCount += buffer.Length;
        inner.Write(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _hash.AppendData(buffer.Span);
        BytesCount += buffer.Length;
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
            if (!leaveOpen)
            {
                inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}
