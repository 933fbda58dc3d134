using System.Net;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Hosting;

/// <summary>Settings under <c>Remote:</c>: how the HTTPS host listens and whom it answers.</summary>
public sealed class RemoteOptions
{
    public const string SectionName = "Remote";

    /// <summary>The address Kestrel binds. Loopback by default; containers use 0.0.0.0.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>The HTTPS port. 0 picks a free port (tests).</summary>
    public int Port { get; set; } = 8443;

    /// <summary>A PFX or PEM certificate. When empty, a self-signed one is generated at <see cref="SelfSignedCertificatePath"/>.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key, when <see cref="CertificatePath"/> is a PEM certificate.</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>The PFX password, if any. Prefer an environment variable or secret store.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Where the local self-signed certificate lives (created on first run, mode 0600).</summary>
    public string SelfSignedCertificatePath { get; set; } = ".estimo/tls/remote-localhost.pfx";

    /// <summary>
    /// Browser origins allowed to call the remote directly (<c>requestRemote</c>). A leading
    /// <c>*.</c> allows subdomains. Forge serves Custom UI from its CDN.
    /// </summary>
    public string[] AllowedCorsOrigins { get; set; } = ["https://*.cdn.prod.atlassian-dev.net"];

    /// <summary>The largest request body accepted anywhere, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 256 * 1024;
}

internal sealed class RemoteOptionsValidator : IValidateOptions<RemoteOptions>
{
    public ValidateOptionsResult Validate(string? name, RemoteOptions options)
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(options.ListenAddress, out _) && options.ListenAddress != "localhost")
        {
            errors.Add("Remote:ListenAddress must be an IP address (e.g. 127.0.0.1 or 0.0.0.0) or 'localhost'.");
        }

        if (options.Port is < 0 or > 65535)
        {
            errors.Add("Remote:Port must be between 0 and 65535.");
        }

        if (!string.IsNullOrWhiteSpace(options.CertificatePath) && !File.Exists(options.CertificatePath))
        {
            errors.Add($"Remote:CertificatePath points to a file that does not exist ({options.CertificatePath}).");
        }

        if (!string.IsNullOrWhiteSpace(options.CertificateKeyPath) && !File.Exists(options.CertificateKeyPath))
        {
            errors.Add($"Remote:CertificateKeyPath points to a file that does not exist ({options.CertificateKeyPath}).");
        }

        if (string.IsNullOrWhiteSpace(options.CertificatePath) && string.IsNullOrWhiteSpace(options.SelfSignedCertificatePath))
        {
            errors.Add("Remote:SelfSignedCertificatePath is required when Remote:CertificatePath is not set.");
        }

        for (var i = 0; i < options.AllowedCorsOrigins.Length; i++)
        {
            if (!IsValidOrigin(options.AllowedCorsOrigins[i]))
            {
                errors.Add($"Remote:AllowedCorsOrigins:{i} must be an origin such as https://example.com or https://*.example.com (no path, no '*' alone).");
            }
        }

        if (options.MaxRequestBodyBytes is < 1024 or > 16 * 1024 * 1024)
        {
            errors.Add("Remote:MaxRequestBodyBytes must be between 1024 and 16777216.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsValidOrigin(string origin)
    {
        if (string.IsNullOrWhiteSpace(origin) || origin == "*")
        {
            return false;
        }

        var candidate = origin.Replace("://*.", "://wildcard.", StringComparison.Ordinal);
        return Uri.TryCreate(candidate, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))
            && uri.AbsolutePath == "/"
            && !origin.EndsWith('/')
            && string.IsNullOrEmpty(uri.Query);
    }
}
