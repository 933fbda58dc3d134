using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Estimo.Forge.Tests.TestSupport;

/// <summary>
/// A real Kestrel server on 127.0.0.1 with an ephemeral port, serving a JWKS the test controls
/// at <c>/jwks.json</c> and a redirect to it at <c>/moved</c>. Counts JWKS requests.
/// </summary>
internal sealed class JwksServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;
    private volatile string _jwks;

    private JwksServer(WebApplication app, string jwks)
    {
        _app = app;
        _jwks = jwks;
    }

    public Uri BaseAddress { get; private set; } = null!;

    public Uri JwksUrl => new(BaseAddress, "/jwks.json");

    public Uri RedirectingUrl => new(BaseAddress, "/moved");

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>How long each JWKS response is held back, to make concurrent callers overlap.</summary>
    public TimeSpan Delay { get; set; }

    public string Jwks
    {
        get => _jwks;
        set => _jwks = value;
    }

    public static async Task<JwksServer> StartAsync(string jwks)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new JwksServer(app, jwks);

        app.MapGet("/jwks.json", async (CancellationToken cancellationToken) =>
        {
            Interlocked.Increment(ref server._requests);
            if (server.Delay > TimeSpan.Zero)
            {
                await Task.Delay(server.Delay, cancellationToken);
            }

            return Results.Text(server._jwks, "application/json");
        });
        app.MapGet("/moved", () => Results.Redirect("/jwks.json"));

        await app.StartAsync();
        server.BaseAddress = new Uri(app.Urls.Single());
        return server;
    }

    public async Task StopAsync() => await _app.StopAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
