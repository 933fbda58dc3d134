using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Hosting;

internal static class HttpsHostingExtensions
{
    /// <summary>
    /// Kestrel serves HTTPS only (TLS 1.2 and 1.3) on one endpoint. No plain-HTTP endpoint
    /// exists, whatever ASPNETCORE_URLS says: explicit Listen calls replace configured URLs.
    /// </summary>
    public static WebApplicationBuilder AddHttpsOnlyHost(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RemoteOptions>()
            .BindConfiguration(RemoteOptions.SectionName)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RemoteOptions>, RemoteOptionsValidator>();

        builder.WebHost.UseKestrel((context, kestrel) =>
        {
            // Read the settings without validating here: the start-up validator reports every
            // invalid setting at once, before the server starts, and this callback may run first.
            var options = TryBind(context.Configuration);
            if (options is null || !new RemoteOptionsValidator().Validate(null, options).Succeeded)
            {
                return;
            }

            var time = kestrel.ApplicationServices.GetRequiredService<TimeProvider>();
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            var certificate = LoadCertificate(options, time);
            var address = options.ListenAddress == "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.ListenAddress);
            kestrel.Listen(address, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = certificate;
                    https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                });
            });

            // Metrics and dependency detail: a second HTTPS listener, loopback only.
            Monitoring.ManagementListener.Listen(kestrel, context.Configuration, certificate);
        });

        builder.Services.AddHsts(hsts =>
        {
            hsts.MaxAge = TimeSpan.FromDays(365);
            hsts.IncludeSubDomains = true;

            // The default excludes localhost; we want the header on every response,
            // including the local demo, so that tests see what production sends.
            hsts.ExcludedHosts.Clear();
        });

        builder.Services.AddCors();
        builder.Services.AddSingleton<Microsoft.AspNetCore.Cors.Infrastructure.ICorsPolicyProvider, ForgeCorsPolicyProvider>();
        return builder;
    }

    private static RemoteOptions? TryBind(IConfiguration configuration)
    {
        try
        {
            return configuration.GetSection(RemoteOptions.SectionName).Get<RemoteOptions>() ?? new RemoteOptions();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static X509Certificate2 LoadCertificate(RemoteOptions options, TimeProvider time)
    {
        if (string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            return SelfSignedCertificate.LoadOrCreate(options.SelfSignedCertificatePath, time);
        }

        if (!string.IsNullOrWhiteSpace(options.CertificateKeyPath))
        {
            using var pem = X509Certificate2.CreateFromPemFile(options.CertificatePath, options.CertificateKeyPath);

            // Re-import so the key is usable by SslStream on every platform.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
        }

        return X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, options.CertificatePassword);
    }
}
