using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;

namespace Estimo.Remote.Hosting;

/// <summary>
/// <c>Estimo.Remote probe [ready]</c>: the container health check (and, with <c>ready</c>,
/// the demo's wait for readiness). The remote serves HTTPS only, so
/// the probe asks <c>/health/live</c> over HTTPS on loopback, trusting exactly the certificate
/// the remote itself serves (pinned by thumbprint), with the same configuration sources.
/// Exit code 0 when live, 1 otherwise; one line on standard error saying why.
/// </summary>
internal static class SelfProbe
{
    public const string Verb = "probe";

    private const string ReadyArgument = "ready";

    public static async Task<int> RunAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(Directory.GetCurrentDirectory())
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args.Skip(1).Where(a => a != ReadyArgument).ToArray())
            .Build();
        var options = configuration.GetSection(RemoteOptions.SectionName).Get<RemoteOptions>() ?? new RemoteOptions();
        var certificatePath = string.IsNullOrWhiteSpace(options.CertificatePath) ? options.SelfSignedCertificatePath : options.CertificatePath;
        try
        {
            using var expected = string.IsNullOrWhiteSpace(options.CertificateKeyPath)
                ? X509CertificateLoader.LoadPkcs12FromFile(certificatePath, string.IsNullOrWhiteSpace(options.CertificatePath) ? null : options.CertificatePassword)
                : X509Certificate2.CreateFromPemFile(certificatePath, options.CertificateKeyPath);
            var thumbprint = expected.Thumbprint;
            using var handler = new SocketsHttpHandler
            {
                SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == thumbprint },
            };
            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(4) };
            var path = args.Contains(ReadyArgument) ? "/health/ready" : "/health/live";
            using var response = await http.GetAsync(new Uri($"https://127.0.0.1:{options.Port}{path}"));
            if (response.IsSuccessStatusCode)
            {
                return 0;
            }

            await Console.Error.WriteLineAsync($"probe: {path} answered {(int)response.StatusCode}");
            return 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or System.Security.Cryptography.CryptographicException)
        {
            await Console.Error.WriteLineAsync($"probe: not live ({ex.GetType().Name})");
            return 1;
        }
    }
}
