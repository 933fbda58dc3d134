using System.Security.Cryptography.X509Certificates;
using Estimo.Remote.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Remote.Tests.Support;

/// <summary>
/// The real remote on real Kestrel (HTTPS, loopback, free port), with its data, key file and
/// certificate in a temporary directory, and a JWKS server the test controls.
/// </summary>
public sealed class RemoteHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RemoteHost(WebApplication app, string root, CapturedLog log)
    {
        _app = app;
        Root = root;
        Log = log;
    }

    public string Root { get; }

    public CapturedLog Log { get; }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The loopback management listener (metrics, health detail), when on.</summary>
    public Uri? ManagementAddress { get; private set; }

    public IServiceProvider Services => _app.Services;

    public static async Task<RemoteHost> StartAsync(Uri jwksUrl, IDictionary<string, string?>? overrides = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "estimo-remote-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var settings = new Dictionary<string, string?>
        {
            ["Remote:Port"] = "0",
            ["Remote:SelfSignedCertificatePath"] = Path.Combine(root, "tls", "remote.pfx"),
            ["Remote:AllowedCorsOrigins:0"] = "https://*.cdn.prod.atlassian-dev.net",
            ["Forge:AppId"] = FitMinter.AppUuid,
            ["Forge:JwksUrl"] = jwksUrl.ToString(),
            ["Storage:Provider"] = "Sqlite",
            ["Storage:DataDirectory"] = Path.Combine(root, "data"),
            ["Storage:ApplyMigrationsOnStartup"] = "true",
            ["Security:LocalKey:KeyFile"] = Path.Combine(root, "keys", "local.key"),
            ["Logs:Console"] = "false",
            ["Monitoring:ManagementPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        // The management port is picked free before Kestrel binds it, so a parallel test can take
        // it in between: pick another and start again (only when the test did not choose it).
        var choosePort = overrides is null || !overrides.ContainsKey("Monitoring:ManagementPort");
        for (var attempt = 1; ; attempt++)
        {
            var log = new CapturedLog();
            var app = EstimoRemoteApp.Build([], builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings);
                builder.Services.AddLogEventSink(log);
            });
            try
            {
                await app.StartAsync();
            }
            catch (IOException ex) when (choosePort && attempt < 5 && ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                await app.DisposeAsync();
                settings["Monitoring:ManagementPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
                continue;
            }

            return Started(new RemoteHost(app, root, log), settings);
        }
    }

    private static RemoteHost Started(RemoteHost host, Dictionary<string, string?> settings)
    {
        var app = host._app;
        var managementPort = int.Parse(settings["Monitoring:ManagementPort"]!, System.Globalization.CultureInfo.InvariantCulture);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)))
            .ToList();
        host.BaseAddress = addresses.First(a => a.Port != managementPort);
        host.ManagementAddress = addresses.FirstOrDefault(a => a.Port == managementPort);
        return host;
    }

    /// <summary>A client for the management listener, trusting this host's certificate.</summary>
    public HttpClient CreateManagementClient()
    {
        var client = CreateClient();
        client.BaseAddress = ManagementAddress ?? throw new InvalidOperationException("The management listener is off.");
        return client;
    }

    /// <summary>An HTTP client that trusts exactly this host's self-signed certificate.</summary>
    public HttpClient CreateClient()
    {
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(Root, "tls", "remote.pfx"), password: null);
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, _) =>
                presented is not null && presented.Thumbprint == certificate.Thumbprint,
        };
        return new HttpClient(handler) { BaseAddress = BaseAddress };
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still held open is left for the OS temp cleaner.
        }
    }
}
