using System.Security.Cryptography;
using System.Text;
using Estimo.Core.Security;
using Estimo.Storage.Security;
using Estimo.Storage.Tests.Support;

namespace Estimo.Storage.Tests.Security;

// The key file's safety rests on Unix permissions; these tests pin them.
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LocalKeySecretProtectorTests : IDisposable
{
    private static readonly SecretBinding Binding = new("system_tokens", "token", "inst-1", "inst-1");
    private static readonly byte[] Plaintext = Encoding.UTF8.GetBytes("a very secret system token");

    private readonly TempDirectory _directory = new();

    private string KeyFile => _directory.Combine("keys", "local.key");

    public void Dispose() => _directory.Dispose();

    public enum Segment
    {
        Version,
        KeyId,
        Nonce,
        Ciphertext,
        Tag,
    }

    [Fact]
    public void Unprotect_WhatProtectSealed_ReturnsThePlaintext()
    {
        var protector = new LocalKeySecretProtector(KeyFile);

        var opened = protector.Unprotect(protector.Protect(Plaintext, Binding), Binding);

        Assert.Equal(Plaintext, opened);
    }

    [Fact]
    public void Protect_EmptyPlaintext_RoundTrips()
    {
        var protector = new LocalKeySecretProtector(KeyFile);

        Assert.Empty(protector.Unprotect(protector.Protect([], Binding), Binding));
    }

    [Fact]
    public void Protect_Output_FollowsTheDocumentedLayout()
    {
        var protector = new LocalKeySecretProtector(KeyFile);
        var keyId = Encoding.UTF8.GetBytes(protector.KeyId);

        var sealedValue = protector.Protect(Plaintext, Binding);

        Assert.Equal(LocalKeySecretProtector.FormatVersion, sealedValue[0]);
        Assert.Equal(keyId.Length, sealedValue[1]);
        Assert.Equal(keyId, sealedValue[2..(2 + keyId.Length)]);
        Assert.Equal(2 + keyId.Length + LocalKeySecretProtector.NonceSize + Plaintext.Length + LocalKeySecretProtector.TagSize, sealedValue.Length);
        Assert.Equal(-1, sealedValue.AsSpan().IndexOf(Plaintext));
    }

    [Theory]
    [InlineData(Segment.Version, SecretUnprotectFailure.UnsupportedVersion)]
    [InlineData(Segment.KeyId, SecretUnprotectFailure.UnknownKey)]
    [InlineData(Segment.Nonce, SecretUnprotectFailure.AuthenticationFailed)]
    [InlineData(Segment.Ciphertext, SecretUnprotectFailure.AuthenticationFailed)]
    [InlineData(Segment.Tag, SecretUnprotectFailure.AuthenticationFailed)]
    public void Unprotect_WithOneBitFlipped_IsDetected(Segment segment, SecretUnprotectFailure expected)
    {
        var protector = new LocalKeySecretProtector(KeyFile);
        var sealedValue = protector.Protect(Plaintext, Binding);
        var keyIdLength = sealedValue[1];
        var nonceAt = 2 + keyIdLength;
        var ciphertextAt = nonceAt + LocalKeySecretProtector.NonceSize;
        var tagAt = sealedValue.Length - LocalKeySecretProtector.TagSize;
        var index = segment switch
        {
            Segment.Version => 0,
            Segment.KeyId => 2 + (keyIdLength / 2),
            Segment.Nonce => nonceAt + 5,
            Segment.Ciphertext => ciphertextAt + 3,
            _ => tagAt + 7,
        };
        sealedValue[index] ^= 0x01;

        var exception = Assert.Throws<SecretUnprotectException>(() => protector.Unprotect(sealedValue, Binding));

        Assert.Equal(expected, exception.Failure);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(20)]
    public void Unprotect_Truncated_IsMalformed(int length)
    {
        var protector = new LocalKeySecretProtector(KeyFile);
        var sealedValue = protector.Protect(Plaintext, Binding);

        var exception = Assert.Throws<SecretUnprotectException>(() => protector.Unprotect(sealedValue.AsSpan(0, length), Binding));

        Assert.Equal(SecretUnprotectFailure.Malformed, exception.Failure);
    }

    [Theory]
    [InlineData("installations", "token", "inst-1", "inst-1")]
    [InlineData("system_tokens", "other", "inst-1", "inst-1")]
    [InlineData("system_tokens", "token", "inst-2", "inst-1")]
    [InlineData("system_tokens", "token", "inst-1", "inst-2")]
    public void Unprotect_UnderAnotherBinding_FailsAuthentication(string table, string column, string rowId, string installationId)
    {
        var protector = new LocalKeySecretProtector(KeyFile);
        var sealedValue = protector.Protect(Plaintext, Binding);

        var exception = Assert.Throws<SecretUnprotectException>(
            () => protector.Unprotect(sealedValue, new SecretBinding(table, column, rowId, installationId)));

        Assert.Equal(SecretUnprotectFailure.AuthenticationFailed, exception.Failure);
    }

    [Fact]
    public void AssociatedData_SplittingTheSameCharactersDifferently_Differs()
    {
        byte[] keyId = [1, 2, 3];

        var left = LocalKeySecretProtector.AssociatedData(keyId, new SecretBinding("ab", "c", "r", "i"));
        var right = LocalKeySecretProtector.AssociatedData(keyId, new SecretBinding("a", "bc", "r", "i"));

        Assert.NotEqual(left, right);
    }

    [Fact]
    public void Protect_HundredThousandSeals_UseUniqueNonces()
    {
        var protector = new LocalKeySecretProtector(KeyFile);
        var nonceAt = 2 + Encoding.UTF8.GetByteCount(protector.KeyId);
        var nonces = new HashSet<UInt128>();
        Span<byte> padded = stackalloc byte[16];

        for (var i = 0; i < 100_000; i++)
        {
            var nonce = protector.Protect([42], Binding).AsSpan(nonceAt, LocalKeySecretProtector.NonceSize);
            nonce.CopyTo(padded);
            Assert.True(nonces.Add(System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(padded)), $"Nonce repeated at seal {i}.");
        }
    }

    [Fact]
    public void KeyFile_CreatedOnFirstUse_IsOwnerOnlyAndReusedAfterwards()
    {
        var first = new LocalKeySecretProtector(KeyFile);
        var sealedValue = first.Protect(Plaintext, Binding);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(KeyFile)!));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(KeyFile)!));
        Assert.Equal(Plaintext, new LocalKeySecretProtector(KeyFile).Unprotect(sealedValue, Binding));
    }

    [Fact]
    public void Unprotect_SealedUnderAnotherKeyFile_IsUnknownKey()
    {
        var sealedValue = new LocalKeySecretProtector(KeyFile).Protect(Plaintext, Binding);
        var other = new LocalKeySecretProtector(_directory.Combine("other", "local.key"));

        var exception = Assert.Throws<SecretUnprotectException>(() => other.Unprotect(sealedValue, Binding));

        Assert.Equal(SecretUnprotectFailure.UnknownKey, exception.Failure);
    }

    [Theory]
    [InlineData(UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.GroupWrite)]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.OtherWrite)]
    public void EnsureKeyLoaded_FileOpenToGroupOrOthers_IsRefusedNamingTheFile(UnixFileMode extra)
    {
        new LocalKeySecretProtector(KeyFile).EnsureKeyLoaded();
        File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | extra);

        var exception = Assert.Throws<LocalKeyFileException>(() => new LocalKeySecretProtector(KeyFile).EnsureKeyLoaded());

        Assert.Equal(Path.GetFullPath(KeyFile), exception.KeyFile);
        Assert.Contains(KeyFile, exception.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 600", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{}")]
    [InlineData("{\"version\":2,\"keyId\":\"k\",\"key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}")]
    [InlineData("{\"version\":1,\"keyId\":\"k\",\"key\":\"not base64!\"}")]
    [InlineData("{\"version\":1,\"keyId\":\"k\",\"key\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}")]
    [InlineData("{\"version\":1,\"keyId\":\"\",\"key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}")]
    public void EnsureKeyLoaded_CorruptedOrWrongLengthFile_IsRefused(string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(KeyFile)!);
        File.WriteAllText(KeyFile, content);
        File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var exception = Assert.Throws<LocalKeyFileException>(() => new LocalKeySecretProtector(KeyFile).EnsureKeyLoaded());

        Assert.Contains(KeyFile, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyFileException_NeverContainsKeyMaterial()
    {
        var protector = new LocalKeySecretProtector(KeyFile);
        protector.EnsureKeyLoaded();
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(KeyFile));
        var key = json.RootElement.GetProperty("key").GetString()!;
        File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var exception = Assert.Throws<LocalKeyFileException>(() => new LocalKeySecretProtector(KeyFile).EnsureKeyLoaded());

        Assert.Equal(32, Convert.FromBase64String(key).Length);
        Assert.DoesNotContain(key, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Protect_ManyThreadsAtOnce_AllRoundTrip()
    {
        var protector = new LocalKeySecretProtector(KeyFile);

        Parallel.For(0, 1_000, i =>
        {
            var plaintext = RandomNumberGenerator.GetBytes(i % 64);
            var binding = Binding with { RowId = $"row-{i}" };
            Assert.Equal(plaintext, protector.Unprotect(protector.Protect(plaintext, binding), binding));
        });
    }
}
