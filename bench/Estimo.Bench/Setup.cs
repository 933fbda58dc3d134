using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Estimo.Bench.Tokens;

namespace Estimo.Bench;

/// <summary>Key material, tokens and the install event: everything prepared before load starts.</summary>
internal static class Setup
{
    public static readonly TimeSpan PreMintedLifetime = TimeSpan.FromHours(1);

    public static int Run(string dir)
    {
        Directory.CreateDirectory(dir);
        using var signer = FitSigner.Create();
        signer.SavePrivateKey(Path.Combine(dir, "fit-key.pem"));
        File.WriteAllText(Path.Combine(dir, "jwks.json"), signer.JwksJson());

        // One TLS certificate for every server under test, so all pay the same TLS cost.
        using var tlsKey = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", tlsKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        WritePrivate(Path.Combine(dir, "tls-cert.pem"), certificate.ExportCertificatePem());
        WritePrivate(Path.Combine(dir, "tls-key.pem"), tlsKey.ExportPkcs8PrivateKeyPem());
        return 0;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Console.WriteLine(((IPEndPoint)listener.LocalEndpoint).Port);
        return 0;
    }

    /// <summary>Pre-mints unique tokens (replay protection rejects reuse), on every core.</summary>
    public static int Mint(string dir, int count, string output, string[] rest)
    {
        var apiBase = rest.Length > 0 ? rest[0] : null;
        var tokens = new string[count];
        var started = System.Diagnostics.Stopwatch.StartNew();
        Parallel.For(0, Environment.ProcessorCount, worker =>
        {
            using var signer = FitSigner.Load(Path.Combine(dir, "fit-key.pem"));
            for (var i = worker; i < count; i += Environment.ProcessorCount)
            {
                tokens[i] = signer.Mint(FitSigner.Account(i % 1000), PreMintedLifetime, apiBase);
            }
        });
        File.WriteAllLines(output, tokens);
        Console.Error.WriteLine($"minted {count} tokens in {started.Elapsed.TotalSeconds:F1} s");
        return 0;
    }

    /// <summary>Records the installation, as Forge's install event would, so the remote serves as in production.</summary>
    public static async Task<int> InstallAsync(string dir, Uri url, string apiBase)
    {
        using var signer = FitSigner.Load(Path.Combine(dir, "fit-key.pem"));
        using var http = Http.Client(dir, url);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/forge/lifecycle")
        {
            Content = new StringContent(
                $$"""{"eventType":"avi:forge:installed:app","installationId":"{{FitSigner.InstallationId}}","appVersion":"1"}""",
                Encoding.UTF8,
                "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", signer.Mint(FitSigner.Account(0), TimeSpan.FromSeconds(25), apiBase));
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            Console.Error.WriteLine($"install failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return 1;
        }

        return 0;
    }

    private static void WritePrivate(string path, string content)
    {
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}

/// <summary>HTTP clients for the servers under test, which all present the bench's certificate.</summary>
internal static class Http
{
    public static HttpClient Client(string dir, Uri baseAddress)
    {
        // Trust exactly the certificate `setup` generated, nothing else.
        using var pinned = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(dir, "tls-cert.pem")));
        var thumbprint = pinned.Thumbprint;
        return new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == thumbprint },
        })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }
}
