namespace Estimo.Storage.Entities;

/// <summary>
/// A row of <c>installation_keys</c>: one version of an installation's data key (DEK), held
/// only wrapped by a key-encryption key (KEK). The highest version without
/// <see cref="RetiredAt"/> seals new values; older versions open values not yet re-encrypted.
/// A shredded version keeps its row (so version numbers never repeat) with an empty
/// <see cref="WrappedKey"/>.
/// </summary>
internal sealed class InstallationKeyEntity
{
    public required string InstallationId { get; set; }

    public int Version { get; set; }

    /// <summary>The KEK that wraps <see cref="WrappedKey"/> (a keyring id or a KMS key ARN).</summary>
    public required string KekId { get; set; }

#pragma warning disable CA1819 // EF maps bytea/BLOB columns to byte[]; the array never leaves the store.
    public required byte[] WrappedKey { get; set; }
#pragma warning restore CA1819

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Set when a newer version took over; the row is deleted once no value uses it.</summary>
    public DateTimeOffset? RetiredAt { get; set; }

    public InstallationEntity? Installation { get; set; }
}
