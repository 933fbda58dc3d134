using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Estimo.Forge.Authentication;

/// <summary>One RSA verification key from the JWKS, imported once and reused for every token.</summary>
internal sealed class SigningKey(string keyId, RSA rsa, byte[] modulus, byte[] exponent)
{
    public string KeyId { get; } = keyId;

    /// <summary>
    /// Shared by concurrent verifications. RSA verification on .NET (OpenSSL, CNG) creates a
    /// fresh operation context per call, and the key is never mutated after import.
    /// </summary>
    public RSA Rsa { get; } = rsa;

    public int SignatureLength { get; } = modulus.Length;

    public bool HasSameKey(ReadOnlySpan<byte> otherModulus, ReadOnlySpan<byte> otherExponent) =>
        modulus.AsSpan().SequenceEqual(otherModulus) && exponent.AsSpan().SequenceEqual(otherExponent);
}

/// <summary>An immutable snapshot of the loaded JWKS, looked up by <c>kid</c> without allocating.</summary>
internal sealed class SigningKeySet
{
    private readonly FrozenDictionary<string, SigningKey> _byId;
    private readonly FrozenDictionary<string, SigningKey>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    public SigningKeySet(IEnumerable<SigningKey> keys, DateTimeOffset loadedAt)
    {
        _byId = keys.ToFrozenDictionary(k => k.KeyId, StringComparer.Ordinal);
        _bySpan = _byId.GetAlternateLookup<ReadOnlySpan<char>>();
        LoadedAt = loadedAt;
    }

    public DateTimeOffset LoadedAt { get; }

    public int Count => _byId.Count;

    public bool TryGet(ReadOnlySpan<char> keyId, out SigningKey key) => _bySpan.TryGetValue(keyId, out key!);

    public bool TryGet(string keyId, out SigningKey key) => _byId.TryGetValue(keyId, out key!);
}
