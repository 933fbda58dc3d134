using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Estimo.Remote.Monitoring;

/// <summary>Marks a connection accepted on the management listener.</summary>
internal interface IManagementConnectionFeature;

/// <summary>Marks an endpoint served only on the management listener.</summary>
internal sealed class ManagementEndpointMetadata
{
    public static readonly ManagementEndpointMetadata Instance = new();
}

/// <summary>
/// The management listener: HTTPS (there is no plain HTTP anywhere) on a loopback address and
/// its own port. Connections accepted there carry <see cref="IManagementConnectionFeature"/>;
/// the routing is split by that feature, not by the Host header (which a client chooses).
/// </summary>
internal static class ManagementListener
{
    private sealed class Marker : IManagementConnectionFeature;

    private static readonly Marker Feature = new();

    public static void Listen(KestrelServerOptions kestrel, IConfiguration configuration, X509Certificate2 certificate)
    {
        MonitoringOptions? options;
        try
        {
            options = configuration.GetSection(MonitoringOptions.SectionName).Get<MonitoringOptions>() ?? new MonitoringOptions();
        }
        catch (InvalidOperationException)
        {
            return;
        }

        if (options.ManagementPort == 0 || !new MonitoringOptionsValidator().Validate(null, options).Succeeded)
        {
            return;
        }

        kestrel.Listen(IPAddress.Parse(options.ManagementListenAddress), options.ManagementPort, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            listen.Use(next => connection =>
            {
                connection.Features.Set<IManagementConnectionFeature>(Feature);
                return next(connection);
            });
            listen.UseHttps(https =>
            {
                https.ServerCertificate = certificate;
                https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
            });
        });
    }

    public static bool IsManagementConnection(HttpContext context) =>
        context.Features.Get<IManagementConnectionFeature>() is not null;
}

/// <summary>
/// Keeps the two listeners apart after routing: management endpoints answer 404 on the public
/// listener, and the management listener serves nothing else.
/// </summary>
internal sealed class ManagementIsolationMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var managementEndpoint = context.GetEndpoint()?.Metadata.GetMetadata<ManagementEndpointMetadata>() is not null;
        if (managementEndpoint == ManagementListener.IsManagementConnection(context))
        {
            return next(context);
        }

        context.SetEndpoint(null);
        return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: "No such resource.").ExecuteAsync(context);
    }
}
