namespace Estimo.Storage.Entities;

/// <summary>A row of <c>system_tokens</c>. The token is only ever held sealed.</summary>
internal sealed class SystemTokenEntity
{
    public required string InstallationId { get; set; }

    /// <summary>The token sealed by <see cref="Core.Security.ISecretProtector"/>; see the token cache.</summary>
#pragma warning disable CA1819 // EF maps bytea/BLOB columns to byte[]; the array never leaves the store.
    public required byte[] SealedToken { get; set; }
#pragma warning restore CA1819

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public InstallationEntity? Installation { get; set; }
}
