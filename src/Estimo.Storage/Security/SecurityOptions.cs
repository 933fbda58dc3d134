namespace Estimo.Storage.Security;

/// <summary>Which key provider holds the key-encryption keys.</summary>
public enum KeyProviderKind
{
    /// <summary>A local keyring file (<c>Security:LocalKey:KeyringFile</c>); the embedded default.</summary>
    Local,

    /// <summary>AWS KMS (<c>Security:Kms:KeyArn</c>); for production.</summary>
    Kms,
}

/// <summary>Settings of the <c>Security</c> configuration section that concern encryption at rest.</summary>
public sealed class SecurityOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "Security";

    /// <summary><c>Security:KeyProvider</c>: Local (default) or Kms.</summary>
    public KeyProviderKind KeyProvider { get; set; } = KeyProviderKind.Local;

    /// <summary><c>Security:Kms</c>.</summary>
    public KmsOptions Kms { get; set; } = new();

    /// <summary><c>Security:DataKeyCache</c>.</summary>
    public DataKeyCacheOptions DataKeyCache { get; set; } = new();
}

/// <summary>Settings of <c>Security:Kms</c>.</summary>
public sealed class KmsOptions
{
    /// <summary>
    /// The KMS key that wraps data keys, as a key ARN <c>arn:aws:kms:REGION:ACCOUNT:key/ID</c>;
    /// the region is taken from it.
    /// </summary>
    public string? KeyArn { get; set; }

    /// <summary>An endpoint override (a VPC endpoint, or the contract tests' local server).</summary>
    public Uri? ServiceUrl { get; set; }
}

/// <summary>Settings of <c>Security:DataKeyCache</c>: unwrapped data keys kept in memory.</summary>
public sealed class DataKeyCacheOptions
{
    /// <summary>At most this many data keys (and as many "current version" entries) in memory.</summary>
    public int MaxEntries { get; set; } = 10_000;

    /// <summary>
    /// How long an unwrapped data key stays cached. Also the grace period of DEK rotation: an
    /// old DEK version is deleted only after a scan that began this long after it was retired,
    /// so no running instance can still be sealing with it.
    /// </summary>
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromMinutes(5);
}
