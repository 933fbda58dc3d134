using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Estimo.Remote.Tests.Support;

/// <summary>A real HTTP server on loopback that publishes a JWKS, standing in for Forge's CDN.</summary>
public sealed class JwksServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private JwksServer(WebApplication app) => _app = app;

    public Uri JwksUrl { get; private set; } = null!;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The document served; tests may swap it to simulate key rotation.</summary>
    public string Document { get; set; } = "{\"keys\":[]}";

    public static async Task<JwksServer> StartAsync(string document)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new JwksServer(app) { Document = document };
        app.MapGet("/.well-known/jwks.json", () =>
        {
            Interlocked.Increment(ref server._requests);
            return Results.Text(server.Document, "application/json");
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.JwksUrl = new Uri(new Uri(address), "/.well-known/jwks.json");
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
