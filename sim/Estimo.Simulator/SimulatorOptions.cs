using Microsoft.Extensions.Options;

namespace Estimo.Simulator;

/// <summary>Settings of the simulator, bound from the configuration section "Simulator".</summary>
public sealed class SimulatorOptions
{
    public const string SectionName = "Simulator";

    /// <summary>Where Kestrel listens. Plain HTTP on loopback: the simulator is a local tool.</summary>
    public string ListenUrl { get; set; } = "http://127.0.0.1:9400";

    /// <summary>The base URL the simulator tells others about (site URL, apiBaseUrl, avatars). Defaults to the address it is bound to.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Path of the app's manifest.yml; relative paths are resolved against the repository root (the folder holding Estimo.slnx), else the current folder.</summary>
    public string ManifestPath { get; set; } = "forge/manifest.yml";

    /// <summary>Resource key → folder, overriding the manifest's <c>resources[].path</c>.</summary>
    public Dictionary<string, string> ResourceRoots { get; set; } = new(StringComparer.Ordinal);

    public RemoteOptions Remote { get; set; } = new();

    /// <summary>Jira API calls allowed per user and minute before 429; 0 turns the limit off.</summary>
    public int RateLimitPerMinute { get; set; } = 600;

    /// <summary>Lifetime of the opaque bearer tokens the simulated Jira API accepts.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Lifetime of a Forge Invocation Token (Forge uses about 25 s).</summary>
    public TimeSpan InvocationTokenLifetime { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>Request bodies larger than this are refused with 413.</summary>
    public int MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Install the app (and send the installed event) once the simulator has started.</summary>
    public bool AutoInstall { get; set; }

    /// <summary>Retries of an event or scheduled trigger delivery that failed (Forge retries up to 4 times).</summary>
    public int EventMaxRetries { get; set; } = 4;

    public TimeSpan EventRetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>How the simulator reaches the app's remote backend.</summary>
public sealed class RemoteOptions
{
    /// <summary>Replaces the <c>baseUrl</c> of every remote in the manifest, e.g. https://localhost:5001 for the local backend.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>SHA-256 (64 hex) or SHA-1 (40 hex) thumbprint of a certificate to trust although no CA vouches for it.</summary>
    public string? TrustCertificateThumbprint { get; set; }

    /// <summary>Trust any certificate presented by a loopback host (127.0.0.1, ::1, localhost) — never a remote one.</summary>
    public bool AllowUntrustedLoopbackCertificate { get; set; }

    /// <summary>
    /// Send the UI's direct remote calls (<c>requestRemote</c>) through the simulator
    /// (<c>POST /__sim/bridge/relay</c>) instead of from the browser, for a person's browser that
    /// does not trust the remote's self-signed certificate. Off: the browser calls the remote itself.
    /// </summary>
    public bool RelayDirectCalls { get; set; }
}

/// <summary>Reports every bad setting at once, by its full name.</summary>
public sealed class SimulatorOptionsValidator : IValidateOptions<SimulatorOptions>
{
    public ValidateOptionsResult Validate(string? name, SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!Uri.TryCreate(options.ListenUrl, UriKind.Absolute, out var listen) || (listen.Scheme != "http" && listen.Scheme != "https"))
        {
            errors.Add($"Simulator:ListenUrl must be an absolute http(s) URL, got '{options.ListenUrl}'.");
        }
        if (options.PublicBaseUrl is not null && !Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out _))
        {
            errors.Add($"Simulator:PublicBaseUrl must be an absolute URL, got '{options.PublicBaseUrl}'.");
        }
        if (string.IsNullOrWhiteSpace(options.ManifestPath))
        {
            errors.Add("Simulator:ManifestPath is required.");
        }
        if (options.Remote.BaseUrl is not null && (!Uri.TryCreate(options.Remote.BaseUrl, UriKind.Absolute, out var remote) || remote.Scheme is not ("http" or "https")))
        {
            errors.Add($"Simulator:Remote:BaseUrl must be an absolute http(s) URL, got '{options.Remote.BaseUrl}'.");
        }
        if (options.Remote.TrustCertificateThumbprint is { } thumb && !(thumb.Length is 40 or 64 && thumb.All(Uri.IsHexDigit)))
        {
            errors.Add("Simulator:Remote:TrustCertificateThumbprint must be 40 (SHA-1) or 64 (SHA-256) hex digits.");
        }
        if (options.RateLimitPerMinute < 0)
        {
            errors.Add("Simulator:RateLimitPerMinute must be 0 (off) or more.");
        }
        if (options.TokenLifetime <= TimeSpan.Zero)
        {
            errors.Add("Simulator:TokenLifetime must be positive.");
        }
        if (options.InvocationTokenLifetime <= TimeSpan.Zero || options.InvocationTokenLifetime > TimeSpan.FromMinutes(5))
        {
            errors.Add("Simulator:InvocationTokenLifetime must be positive and at most 5 minutes.");
        }
        if (options.MaxRequestBodyBytes < 1024)
        {
            errors.Add("Simulator:MaxRequestBodyBytes must be at least 1024.");
        }
        if (options.EventMaxRetries is < 0 or > 10)
        {
            errors.Add("Simulator:EventMaxRetries must be between 0 and 10.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
