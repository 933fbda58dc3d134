using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Estimo.Remote.Tests.Support;

/// <summary>A real HTTP server on loopback that publishes a JWKS, standing in for Forge's CDN.</summary>
public sealed class JwksServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private JwksServer(WebApplication app) => _app = app;

    public Uri JwksUrl { get; private init; } = null!;

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The document served; tests may swap it to simulate key rotation.</summary>
    public string Document { get; set; } = "{\"keys\":[]}";

    public static async Task<JwksServer> StartAsync(string document)
    {
        JwksServer? server = null;
        var (app, baseAddress) = await LoopbackServer.StartAsync(app => app.MapGet("/.well-known/jwks.json", () =>
        {
            Interlocked.Increment(ref server!._requests);
            return Results.Text(server.Document, "application/json");
        }));
        server = new JwksServer(app) { Document = document, JwksUrl = new Uri(baseAddress, "/.well-known/jwks.json") };
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
