using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Estimo.Simulator.Forge;

/// <summary>A call to the remote; the body is sent as <paramref name="ContentType"/> (default application/json).</summary>
public sealed record RemoteRequest(HttpMethod Method, Uri Url, IReadOnlyDictionary<string, string> Headers, string? JsonBody, string? ContentType = null);

/// <summary>What the remote answered, or why it could not be reached (<see cref="Error"/> set, <see cref="Status"/> 0).</summary>
public sealed record RemoteResponse(int Status, IReadOnlyDictionary<string, string[]> Headers, string Body, string? Error);

/// <summary>
/// Calls the app's remote the way Forge does: HTTPS expected, redirects treated as errors, a hard
/// timeout. Certificate trust beyond the machine's CAs only through explicit settings
/// (see <see cref="RemoteCertificatePolicy"/>).
/// </summary>
public sealed class RemoteClient(IHttpClientFactory factory)
{
    public const string HttpClientName = "forge-remote";

    public async Task<RemoteResponse> SendAsync(RemoteRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var message = new HttpRequestMessage(request.Method, request.Url);
        foreach (var (name, value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }
        if (request.JsonBody is not null)
        {
            message.Content = new StringContent(request.JsonBody, System.Text.Encoding.UTF8, "application/json");
            if (request.ContentType is { } contentType)
            {
                // As the caller gave it (the relay passes the browser's Content-Type through unchanged).
                message.Content.Headers.Remove("Content-Type");
                message.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            var client = factory.CreateClient(HttpClientName);
            using var response = await client.SendAsync(message, cts.Token);
            var headers = response.Headers.Concat(response.Content.Headers)
                .ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToArray(), StringComparer.Ordinal);
            var body = await response.Content.ReadAsStringAsync(cts.Token);
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400)
            {
                return new RemoteResponse(status, headers, body, $"The remote answered a redirect ({status}); Forge treats redirects as errors.");
            }
            return new RemoteResponse(status, headers, body, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new RemoteResponse(0, new Dictionary<string, string[]>(), "", $"The remote did not answer within {timeout.TotalSeconds:0} s.");
        }
        catch (HttpRequestException e)
        {
            return new RemoteResponse(0, new Dictionary<string, string[]>(), "", $"The remote could not be reached: {e.Message}");
        }
    }
}

/// <summary>
/// Certificate checks for calls to the remote. A certificate the machine trusts always passes.
/// Otherwise only (a) a certificate whose thumbprint is configured, or (b) when explicitly allowed,
/// any certificate presented by a loopback host. Validation is never switched off wholesale.
/// </summary>
public static class RemoteCertificatePolicy
{
    public static Func<HttpRequestMessage, X509Certificate2?, X509Chain?, SslPolicyErrors, bool> Create(RemoteOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var thumbprint = options.TrustCertificateThumbprint?.ToUpperInvariant();
        var allowLoopback = options.AllowUntrustedLoopbackCertificate;
        return (request, certificate, _, errors) =>
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }
            if (certificate is null)
            {
                return false;
            }
            if (thumbprint is not null)
            {
                var actual = thumbprint.Length == 64
                    ? certificate.GetCertHashString(HashAlgorithmName.SHA256)
                    : certificate.GetCertHashString(HashAlgorithmName.SHA1);
                if (string.Equals(actual, thumbprint, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
            return allowLoopback && request.RequestUri is { } uri && IsLoopback(uri);
        };
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
