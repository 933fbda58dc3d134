using System.Buffers.Binary;
using System.Text;
using Estimo.Storage.Backups;
using Estimo.Storage.Tests.Support;

namespace Estimo.Storage.Tests.Backups;

/// <summary>
/// Tampering anywhere in a backup file is detected before anything is restored: the header,
/// any manifest field, any payload byte, a truncation (inside a chunk or at a chunk boundary),
/// swapped chunks, trailing bytes. Backups here use 512-byte chunks so there are many.
/// </summary>
public sealed class BackupFormatTests : IAsyncLifetime
{
    private readonly SqliteStorageFixture _fixture = new();
    private BackupService _backups = null!;
    private string _id = null!;
    private byte[] _original = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string File => BackupTestData.FileOf(_fixture, _id);

    public async ValueTask InitializeAsync()
    {
        await _fixture.InitializeAsync();
        await BackupTestData.SeedAsync(_fixture, 3, 6, CancellationToken.None);
        _backups = BackupContractTests<SqliteStorageFixture>.BuildService(_fixture);
        _backups.ChunkSize = 512;
        _id = (await _backups.BackupAsync("alice", null, CancellationToken.None)).Id;
        _original = await System.IO.File.ReadAllBytesAsync(File);
    }

    public async ValueTask DisposeAsync() => await _fixture.DisposeAsync();

    [Fact]
    public async Task TheUntouchedFile_Verifies()
    {
        var verified = await _backups.VerifyAsync(_id, Ct);

        Assert.Equal(18, verified.Manifest.Tables["poker_sessions"]);
        Assert.True(Chunks().Count > 3, "the test needs several chunks");
        Assert.Equal(_original.Length, verified.Bytes);
    }

    [Fact]
    public async Task TheFile_HoldsNoPlaintext()
    {
        await using var db = _fixture.CreateContext();
        var installation = db.Installations.First();

        Assert.Equal(-1, _original.AsSpan().IndexOf(Encoding.UTF8.GetBytes(installation.CloudId)));
        Assert.Equal(-1, _original.AsSpan().IndexOf(Encoding.UTF8.GetBytes(BackupTestData.Facilitator)));
        Assert.Equal(-1, _original.AsSpan().IndexOf(Encoding.UTF8.GetBytes("acme.atlassian.net")));
    }

    public static TheoryData<string> Tamperings() =>
    [
        "magic", "format-version", "manifest-length", "manifest-created-at", "manifest-row-count", "manifest-digest",
        "manifest-schema", "payload-first-chunk", "payload-middle-byte", "payload-last-byte", "truncated-inside-a-chunk",
        "truncated-at-a-chunk-boundary", "swapped-chunks", "dropped-middle-chunk", "trailing-bytes", "chunk-length",
    ];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task ATamperedFile_IsRejected_BeforeAnythingIsRestored(string tampering)
    {
        var bytes = Tamper(tampering);
        await System.IO.File.WriteAllBytesAsync(File, bytes, Ct);

        var verify = await Assert.ThrowsAnyAsync<BackupException>(() => _backups.VerifyAsync(_id, Ct));
        var restore = await Assert.ThrowsAnyAsync<BackupException>(() => _backups.RestoreAsync(_id, "alice", dryRun: true, forceNonEmpty: false, Ct));

        Assert.DoesNotContain('\n', verify.Message);
        Assert.Equal(verify.Message, restore.Message);
        Assert.Empty(Directory.EnumerateFiles(_fixture.BackupDirectory, "*.db*"));
    }

    private int ManifestLength => BinaryPrimitives.ReadInt32BigEndian(_original.AsSpan(10));

    private int PayloadStart => 14 + ManifestLength;

    /// <summary>Each chunk's (offset, total length) in the file.</summary>
    private List<(int Offset, int Length)> Chunks()
    {
        var chunks = new List<(int, int)>();
        var at = PayloadStart;
        while (at < _original.Length)
        {
            var length = 4 + BinaryPrimitives.ReadInt32BigEndian(_original.AsSpan(at)) + 16;
            chunks.Add((at, length));
            at += length;
        }

        return chunks;
    }

    private byte[] Tamper(string tampering)
    {
        var bytes = (byte[])_original.Clone();
        var manifest = Encoding.UTF8.GetString(bytes, 14, ManifestLength);
        var chunks = Chunks();
        switch (tampering)
        {
            case "magic":
                bytes[0] ^= 1;
                return bytes;
            case "format-version":
                bytes[9] = 2;
                return bytes;
            case "manifest-length":
                BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(10), ManifestLength + 5);
                return bytes;
            case "manifest-created-at":
                return Replace(bytes, manifest, "\"createdAt\":\"2026-11-28T12", "\"createdAt\":\"2026-11-28T13");
            case "manifest-row-count":
                return Replace(bytes, manifest, "\"poker_sessions\":18", "\"poker_sessions\":17");
            case "manifest-digest":
                var at = manifest.IndexOf("\"payloadSha256\":\"", StringComparison.Ordinal) + 17;
                var digest = manifest.Substring(at, 4);
                return Replace(bytes, manifest, digest, (digest[0] == 'a' ? 'b' : 'a') + digest[1..]);
            case "manifest-schema":
                // Whatever the latest migration is called: change one letter of its name.
                var schemaAt = manifest.IndexOf("\"schemaName\":\"", StringComparison.Ordinal) + 14;
                Assert.True(schemaAt > 14, manifest);
                var schemaName = manifest.Substring(schemaAt, 4);
                return Replace(bytes, manifest, "\"schemaName\":\"" + schemaName, "\"schemaName\":\"" + (schemaName[0] == 'Z' ? 'Y' : 'Z') + schemaName[1..]);
            case "payload-first-chunk":
                bytes[PayloadStart + 10] ^= 0x80;
                return bytes;
            case "payload-middle-byte":
                bytes[chunks[chunks.Count / 2].Offset + 100] ^= 1;
                return bytes;
            case "payload-last-byte":
                bytes[^1] ^= 1;
                return bytes;
            case "truncated-inside-a-chunk":
                return bytes[..(chunks[^2].Offset + 50)];
            case "truncated-at-a-chunk-boundary":
                return bytes[..chunks[^1].Offset];
            case "swapped-chunks":
            {
                var (a, b) = (chunks[1], chunks[2]);
                Assert.Equal(a.Length, b.Length);
                var first = bytes.AsSpan(a.Offset, a.Length).ToArray();
                bytes.AsSpan(b.Offset, b.Length).CopyTo(bytes.AsSpan(a.Offset));
                first.CopyTo(bytes.AsSpan(b.Offset));
                return bytes;
            }

            case "dropped-middle-chunk":
                return [.. bytes[..chunks[2].Offset], .. bytes[(chunks[2].Offset + chunks[2].Length)..]];
            case "trailing-bytes":
                return [.. bytes, 0, 0, 0, 0];
            case "chunk-length":
                BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(chunks[1].Offset), 511);
                return bytes;
            default:
                throw new ArgumentOutOfRangeException(nameof(tampering));
        }
    }

    private static byte[] Replace(byte[] bytes, string manifest, string from, string to)
    {
        Assert.Equal(from.Length, to.Length);
        var index = manifest.IndexOf(from, StringComparison.Ordinal);
        Assert.True(index >= 0, $"'{from}' not in {manifest}");
        var edited = manifest[..index] + to + manifest[(index + from.Length)..];
        var result = (byte[])bytes.Clone();
        Encoding.UTF8.GetBytes(edited).CopyTo(result, 14);
        return result;
    }
}
