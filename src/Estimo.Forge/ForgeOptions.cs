namespace Estimo.Forge;

/// <summary>Settings under <c>Forge:</c>.</summary>
public sealed class ForgeOptions
{
    public const string SectionName = "Forge";

    /// <summary>Atlassian's production JWKS for FITs.</summary>
    public const string ProductionJwksUrl = "https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json";

    /// <summary>The prefix of app ARIs; <see cref="AppId"/> may be given with or without it.</summary>
    public const string AppAriPrefix = "ari:cloud:ecosystem::app/";

    /// <summary>Our app id (a UUID, or the full ARI). Required.</summary>
    public string AppId { get; set; } = string.Empty;

    /// <summary>Where FIT signing keys are published. Must be https, except on loopback.</summary>
    public Uri JwksUrl { get; set; } = new(ProductionJwksUrl);

    /// <summary>Tolerance for <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The least time between two JWKS refreshes caused by an unknown <c>kid</c>.</summary>
    public TimeSpan JwksRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a loaded JWKS is used before a background refresh.</summary>
    public TimeSpan JwksCacheLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Most token ids remembered for replay protection (memory bound).</summary>
    public int ReplayCacheCapacity { get; set; } = 200_000;
}
