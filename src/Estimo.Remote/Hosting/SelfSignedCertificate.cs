using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Estimo.Remote.Hosting;

/// <summary>
/// The local HTTPS certificate for the embedded demo: generated on first run (RSA-2048,
/// SAN localhost/127.0.0.1/::1, one year) and stored as a PFX readable only by its owner.
/// </summary>
internal static class SelfSignedCertificate
{
    public static X509Certificate2 LoadOrCreate(string path, TimeProvider time)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            var existing = X509CertificateLoader.LoadPkcs12FromFile(full, password: null);
            if (existing.NotAfter.ToUniversalTime() > time.GetUtcNow().UtcDateTime.AddDays(7))
            {
                return existing;
            }

            existing.Dispose();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));

        var now = time.GetUtcNow();
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
        var pfx = created.Export(X509ContentType.Pfx);

        // Write to a temp file created 0600, then move into place, so the key is never
        // world-readable, not even for a moment.
        var temp = full + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, fileOptions))
        {
            stream.Write(pfx);
        }

        File.Move(temp, full, overwrite: true);
        return X509CertificateLoader.LoadPkcs12(pfx, password: null);
    }
}
