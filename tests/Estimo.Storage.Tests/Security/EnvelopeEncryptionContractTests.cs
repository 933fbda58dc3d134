using System.Text;
using Estimo.Core.Installations;
using Estimo.Core.Security;
using Estimo.Storage.Installations;
using Estimo.Storage.Security;
using Estimo.Storage.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Estimo.Storage.Tests.Security;

/// <summary>
/// Envelope encryption through <see cref="ISecretProtector"/> as the host wires it, on a real
/// database of each provider: per-installation data keys, format 2, typed failures.
/// </summary>
public abstract class EnvelopeEncryptionContractTests<TFixture> : IClassFixture<TFixture>
    where TFixture : StorageFixture
{
    protected EnvelopeEncryptionContractTests(TFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        Fixture = fixture;
        Fixture.EnsureAvailable();
    }

    protected TFixture Fixture { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ISecretProtector Protector => Fixture.Get<ISecretProtector>();

    private static byte[] Plaintext { get; } = Encoding.UTF8.GetBytes("a forge system token");

    [Fact]
    public async Task Protect_ThenUnprotect_ReturnsThePlaintext()
    {
        var binding = await BindingAsync();

        var sealedValue = await Protector.ProtectAsync(Plaintext, binding, Ct);

        Assert.Equal(Plaintext, await Protector.UnprotectAsync(sealedValue, binding, Ct));
    }

    [Fact]
    public async Task Protect_EmptyAndLargeValues_RoundTrip()
    {
        var binding = await BindingAsync();
        var large = new byte[256 * 1024];
        Random.Shared.NextBytes(large);

        foreach (var value in new[] { Array.Empty<byte>(), large })
        {
            Assert.Equal(value, await Protector.UnprotectAsync(await Protector.ProtectAsync(value, binding, Ct), binding, Ct));
        }
    }

    [Fact]
    public async Task Protect_WritesFormat2_WithThePrimaryKekAndTheInstallationsFirstDataKey()
    {
        var binding = await BindingAsync();

        var sealedValue = await Protector.ProtectAsync(Plaintext, binding, Ct);

        var primary = Fixture.Get<IKeyEncryptionProvider>().PrimaryKekId;
        Assert.Equal(2, sealedValue[0]);
        Assert.Equal(primary, Encoding.UTF8.GetString(sealedValue, 2, sealedValue[1]));
        Assert.Equal([0, 0, 0, 1], sealedValue[(2 + sealedValue[1])..(6 + sealedValue[1])]);
        Assert.Equal(6 + primary.Length + SealedValueFormat.NonceSize + Plaintext.Length + SealedValueFormat.TagSize, sealedValue.Length);
        await using var db = Fixture.CreateContext();
        var key = await db.InstallationKeys.SingleAsync(k => k.InstallationId == binding.InstallationId, Ct);
        Assert.Equal((1, primary), (key.Version, key.KekId));
        Assert.Equal(60, key.WrappedKey.Length);
    }

    [Fact]
    public async Task Protect_TwoInstallations_UseDifferentDataKeys()
    {
        var first = await BindingAsync();
        var second = await BindingAsync();
        await Protector.ProtectAsync(Plaintext, first, Ct);
        await Protector.ProtectAsync(Plaintext, second, Ct);

        var ring = Fixture.Get<DataKeyRing>();

        Assert.NotEqual(
            (await ring.GetCurrentAsync(first.InstallationId, Ct)).Material,
            (await ring.GetCurrentAsync(second.InstallationId, Ct)).Material);
    }

    [Fact]
    public async Task Protect_UnknownInstallation_ThrowsUnknownInstallation()
    {
        await Assert.ThrowsAsync<UnknownInstallationException>(
            () => Protector.ProtectAsync(Plaintext, new SecretBinding("t", "c", "r", Some.InstallationId()), Ct).AsTask());
    }

    [Theory]
    [InlineData("format")]
    [InlineData("kek id length")]
    [InlineData("kek id")]
    [InlineData("dek version")]
    [InlineData("nonce")]
    [InlineData("ciphertext")]
    [InlineData("tag")]
    public async Task Unprotect_TamperedField_ThrowsTyped(string field)
    {
        var binding = await BindingAsync();
        var sealedValue = await Protector.ProtectAsync(Plaintext, binding, Ct);
        int kekIdLength = sealedValue[1];
        var nonceAt = 2 + kekIdLength + 4;
        var at = field switch
        {
            "format" => 0,
            "kek id length" => 1,
            "kek id" => 2,
            "dek version" => 2 + kekIdLength + 3,
            "nonce" => nonceAt,
            "ciphertext" => nonceAt + SealedValueFormat.NonceSize,
            "tag" => sealedValue.Length - 1,
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };
        sealedValue[at] ^= 0x01;

        var exception = await Assert.ThrowsAsync<SecretUnprotectException>(() => Protector.UnprotectAsync(sealedValue, binding, Ct).AsTask());

        Assert.DoesNotContain(Encoding.UTF8.GetString(Plaintext), exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unprotect_Truncated_ThrowsMalformed()
    {
        var binding = await BindingAsync();
        var sealedValue = await Protector.ProtectAsync(Plaintext, binding, Ct);

        var exception = await Assert.ThrowsAsync<SecretUnprotectException>(() => Protector.UnprotectAsync(sealedValue.AsMemory(0, 20), binding, Ct).AsTask());

        Assert.Equal(SecretUnprotectFailure.Malformed, exception.Failure);
    }

    [Fact]
    public async Task Unprotect_MovedToAnotherRowColumnOrTable_FailsAuthentication()
    {
        var binding = await BindingAsync();
        var sealedValue = await Protector.ProtectAsync(Plaintext, binding, Ct);

        foreach (var elsewhere in new[] { binding with { RowId = "other-row" }, binding with { Column = "other" }, binding with { Table = "other" } })
        {
            var exception = await Assert.ThrowsAsync<SecretUnprotectException>(() => Protector.UnprotectAsync(sealedValue, elsewhere, Ct).AsTask());
            Assert.Equal(SecretUnprotectFailure.AuthenticationFailed, exception.Failure);
        }
    }

    [Fact]
    public async Task Unprotect_MovedToAnotherInstallation_Fails()
    {
        var binding = await BindingAsync();
        var other = await BindingAsync();
        await Protector.ProtectAsync(Plaintext, other, Ct); // the other installation has a version 1 too
        var sealedValue = await Protector.ProtectAsync(Plaintext, binding, Ct);

        var exception = await Assert.ThrowsAsync<SecretUnprotectException>(
            () => Protector.UnprotectAsync(sealedValue, binding with { InstallationId = other.InstallationId }, Ct).AsTask());

        Assert.Equal(SecretUnprotectFailure.AuthenticationFailed, exception.Failure);
    }

    [Fact]
    public async Task Unprotect_UnknownDataKeyVersion_ThrowsUnknownKey()
    {
        var binding = await BindingAsync();
        var sealedValue = await Protector.ProtectAsync(Plaintext, binding, Ct);
        sealedValue[2 + sealedValue[1] + 3] = 9;

        var exception = await Assert.ThrowsAsync<SecretUnprotectException>(() => Protector.UnprotectAsync(sealedValue, binding, Ct).AsTask());

        Assert.Equal(SecretUnprotectFailure.UnknownKey, exception.Failure);
    }

    [Fact]
    public async Task Unprotect_DataKeyWrappedByAnUnknownKek_ThrowsUnknownKey()
    {
        var binding = await BindingAsync();
        var sealedValue = await Protector.ProtectAsync(Plaintext, binding, Ct);
        await using (var db = Fixture.CreateContext())
        {
            await db.InstallationKeys.Where(k => k.InstallationId == binding.InstallationId)
                .ExecuteUpdateAsync(k => k.SetProperty(x => x.KekId, "kek-gone"), Ct);
        }

        var exception = await Assert.ThrowsAsync<SecretUnprotectException>(() => Protector.UnprotectAsync(sealedValue, binding, Ct).AsTask());

        Assert.Equal(SecretUnprotectFailure.UnknownKey, exception.Failure);
    }

    [Fact]
    public async Task Unprotect_TamperedWrappedDataKey_FailsAuthentication()
    {
        var binding = await BindingAsync();
        var sealedValue = await Protector.ProtectAsync(Plaintext, binding, Ct);
        await using (var db = Fixture.CreateContext())
        {
            var key = await db.InstallationKeys.SingleAsync(k => k.InstallationId == binding.InstallationId, Ct);
            key.WrappedKey[20] ^= 1;
            db.Entry(key).Property(k => k.WrappedKey).IsModified = true;
            await db.SaveChangesAsync(Ct);
        }

        var exception = await Assert.ThrowsAsync<SecretUnprotectException>(() => Protector.UnprotectAsync(sealedValue, binding, Ct).AsTask());

        Assert.Equal(SecretUnprotectFailure.AuthenticationFailed, exception.Failure);
    }

    [Fact]
    public async Task Shred_ThenUnprotect_ThrowsKeyShredded_AndNewWritesUseANewDataKey()
    {
        var binding = await BindingAsync();
        var sealedValue = await Protector.ProtectAsync(Plaintext, binding, Ct);

        var result = await Fixture.Get<KeyMaintenance>().ShredAsync("test", binding.InstallationId, Ct);

        Assert.Equal(1, result.DataKeyVersions);
        var exception = await Assert.ThrowsAsync<SecretUnprotectException>(() => Protector.UnprotectAsync(sealedValue, binding, Ct).AsTask());
        Assert.Equal(SecretUnprotectFailure.KeyShredded, exception.Failure);
        var fresh = await Protector.ProtectAsync(Plaintext, binding, Ct);
        Assert.Equal([0, 0, 0, 2], fresh[(2 + fresh[1])..(6 + fresh[1])]);
        Assert.Equal(Plaintext, await Protector.UnprotectAsync(fresh, binding, Ct));
        await using var db = Fixture.CreateContext();
        var audit = await db.AuditEvents.SingleAsync(a => a.Action == "keys.shred" && a.Subject == binding.InstallationId, Ct);
        Assert.Equal("test", audit.Actor);
    }

    [Fact]
    public async Task Protect_OneMillionSeals_NeverRepeatANonce()
    {
        var binding = await BindingAsync();
        const int Seals = 1_000_000;
        var nonces = new HashSet<UInt128>(Seals);
        byte[] plaintext = [42];
        var nonceAt = -1;
        var nonce = new byte[16];
        for (var i = 0; i < Seals; i++)
        {
            var sealedValue = await Protector.ProtectAsync(plaintext, binding, Ct);
            if (nonceAt < 0)
            {
                nonceAt = 2 + sealedValue[1] + 4;
            }

            sealedValue.AsSpan(nonceAt, SealedValueFormat.NonceSize).CopyTo(nonce);
            Assert.True(nonces.Add(BitConverter.ToUInt128(nonce)), $"nonce repeated after {i} seals");
        }
    }

    [Fact]
    public async Task RawDatabase_AfterStoringSecrets_HoldsNoPlaintextSecretNorDataKey()
    {
        var installation = await InstalledAsync();
        var token = Some.Token();
        await Fixture.Get<ISystemTokenCache>().StoreAsync(installation, token, Fixture.Time.GetUtcNow().AddHours(1), Ct);
        var secret = $"operator-note-{Guid.NewGuid():N}";
        var binding = new SecretBinding("operator_notes", "body", "1", installation);
        await Protector.ProtectAsync(Encoding.UTF8.GetBytes(secret), binding, Ct);
        var dataKey = (await Fixture.Get<DataKeyRing>().GetCurrentAsync(installation, Ct)).Material;

        var raw = await Fixture.ReadRawDataAsync(Ct);

        foreach (var plaintext in new[] { Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(secret), dataKey })
        {
            Assert.Equal(-1, raw.AsSpan().IndexOf(plaintext));
            Assert.Equal(-1, raw.AsSpan().IndexOf(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(plaintext))));
            Assert.Equal(-1, raw.AsSpan().IndexOf(Encoding.ASCII.GetBytes(Convert.ToBase64String(plaintext))));
        }

        Assert.NotEqual(-1, raw.AsSpan().IndexOf(Encoding.UTF8.GetBytes(installation)));
    }

    private async Task<SecretBinding> BindingAsync() =>
        new("system_tokens", "token", Guid.NewGuid().ToString("N"), await InstalledAsync());

    private async Task<string> InstalledAsync()
    {
        var registration = Some.Registration();
        await Fixture.Get<IInstallationStore>().RecordInstalledAsync(registration, Ct);
        return registration.InstallationId;
    }
}

public sealed class SqliteEnvelopeEncryptionTests(SqliteStorageFixture fixture) : EnvelopeEncryptionContractTests<SqliteStorageFixture>(fixture);

public sealed class PostgreSqlEnvelopeEncryptionTests(PostgreSqlStorageFixture fixture) : EnvelopeEncryptionContractTests<PostgreSqlStorageFixture>(fixture);
