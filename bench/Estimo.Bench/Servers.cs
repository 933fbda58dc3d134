using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Estimo.Bench.Tokens;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Estimo.Bench;

/// <summary>The bench's own servers.</summary>
internal static class Servers
{
    /// <summary>
    /// The JWKS (standing in for Forge's CDN) and the two Jira calls the remote makes as the user,
    /// answering "yes" to everyone, over plain HTTP on loopback (both accept loopback http).
    /// </summary>
    public static async Task<int> RunStubsAsync(string dir)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var jwks = await File.ReadAllTextAsync(Path.Combine(dir, "jwks.json"));
        var jwksRequests = 0;
        app.MapGet("/.well-known/jwks.json", () =>
        {
            Interlocked.Increment(ref jwksRequests);
            return Results.Text(jwks, "application/json");
        });
        app.MapGet("/jwks-requests", () => Results.Text(Volatile.Read(ref jwksRequests).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        app.MapGet("/ex/jira/{cloudId}/rest/api/3/mypermissions", (string permissions) =>
            Results.Json(new JsonObject { ["permissions"] = new JsonObject { [permissions] = new JsonObject { ["havePermission"] = true } } }));
        app.MapPost("/ex/jira/{cloudId}/rest/api/3/search/jql", async (HttpContext http) =>
        {
            var body = await JsonNode.ParseAsync(http.Request.Body);
            var jql = body!["jql"]!.GetValue<string>();
            var ids = jql[(jql.IndexOf('(', StringComparison.Ordinal) + 1)..jql.LastIndexOf(')')].Split(',', StringSplitOptions.TrimEntries);
            return Results.Json(new JsonObject { ["issues"] = new JsonArray([.. ids.Select(id => (JsonNode)new JsonObject { ["id"] = id })]), ["isLast"] = true });
        });
        await app.StartAsync();
        Console.WriteLine(new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port);
        await app.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>
    /// The ceiling: Kestrel over the same TLS certificate, answering the same JSON as
    /// <c>GET /api/me</c> with no authentication and no middleware.
    /// </summary>
    public static async Task<int> RunBareAsync(string dir, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(dir, "tls-cert.pem"), Path.Combine(dir, "tls-key.pem"));
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.UseHttps(X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null))));
        var app = builder.Build();
        var me = new MeResponse(FitSigner.InstallationId, FitSigner.CloudId, FitSigner.Account(0));
        app.MapGet("/api/me", () => TypedResults.Ok(me));
        app.MapGet("/health/ready", () => TypedResults.Ok());
        await app.RunAsync();
        return 0;
    }
}

internal sealed record MeResponse(string InstallationId, string? CloudId, string? AccountId);
