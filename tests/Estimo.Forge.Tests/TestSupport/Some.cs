namespace Estimo.Forge.Tests.TestSupport;

/// <summary>Test data: one fixed moment, one app, one tenant, and keys made once per test run.</summary>
internal static class Some
{
    public const string AppUuid = "3b1f4f4e-7c1c-4d7e-9a52-6f0a2c9d8e11";
    public const string AppAri = "ari:cloud:ecosystem::app/" + AppUuid;
    public const string InstallationId = "ari:cloud:ecosystem::installation/5e2b7d3c-1a4f-4e59-8a70-2f6d9c1b0e44";
    public const string CloudId = "0f6e3d2c-9b8a-4c7d-8e1f-112233445566";
    public const string SiteUrl = "https://estimo-test.atlassian.net";
    public const string ApiBaseUrl = "https://api.atlassian.com/ex/jira/" + CloudId;
    public const string EnvironmentId = "a1b2c3d4-0000-4000-8000-000000000001";
    public const string AccountId = "712020:8f4b1d9e-3c2a-4b5d-9e6f-7a8b9c0d1e2f";

    public static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<TestKey> s_signingKey = new(() => TestKey.Create("forge-key-1"));
    private static readonly Lazy<TestKey> s_otherKey = new(() => TestKey.Create("forge-key-2"));
    private static readonly Lazy<TestKey> s_smallKey = new(() => TestKey.Create("forge-key-1024", 1024));

    /// <summary>The key the JWKS publishes by default.</summary>
    public static TestKey SigningKey => s_signingKey.Value;

    /// <summary>A second 2048-bit key, for rotation and wrong-key cases.</summary>
    public static TestKey OtherKey => s_otherKey.Value;

    /// <summary>A 1024-bit key, too weak to be loaded.</summary>
    public static TestKey SmallKey => s_smallKey.Value;

    public static FitBuilder Fit(DateTimeOffset now) => FitBuilder.Valid(SigningKey, now);

    public static FitBuilder Fit() => Fit(Now);
}
