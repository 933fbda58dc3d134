using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Estimo.Simulator.Tests;

/// <summary>What the fake remote received.</summary>
public sealed record ReceivedCall(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// A stand-in for the Forge Remote on HTTPS with a fresh self-signed certificate, like the local
/// backend. It records every call; <c>GET /api/me</c> uses the x-forge-oauth-user token against
/// the FIT's apiBaseUrl-style base, proving those tokens work on the simulated Jira API.
/// </summary>
public sealed class FakeRemote : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeRemote(WebApplication app, X509Certificate2 certificate, string baseUrl)
    {
        _app = app;
        Certificate = certificate;
        BaseUrl = baseUrl;
    }

    public X509Certificate2 Certificate { get; }

    public string BaseUrl { get; }

    public ConcurrentQueue<ReceivedCall> Calls { get; } = new();

    /// <summary>CORS preflights (OPTIONS with an Origin), kept apart from <see cref="Calls"/>.</summary>
    public ConcurrentQueue<ReceivedCall> Preflights { get; } = new();

    /// <summary>How many lifecycle calls to fail with 500 before succeeding.</summary>
    public int FailuresBeforeSuccess { get; set; }

    /// <summary>The simulator's Jira base (apiBaseUrl) the remote calls back, set once the simulator runs.</summary>
    public string? JiraBase { get; set; }

    public string Thumbprint => Certificate.GetCertHashString(HashAlgorithmName.SHA256);

    public static async Task<FakeRemote> StartAsync()
    {
        var certificate = CreateCertificate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var app = builder.Build();
        FakeRemote? self = null;
        app.Run(async context =>
        {
            // requestRemote comes straight from the browser on the simulator's origin: answer CORS.
            if (context.Request.Headers.Origin.ToString() is { Length: > 0 } origin)
            {
                context.Response.Headers.AccessControlAllowOrigin = origin;
                context.Response.Headers.Vary = "Origin";
                if (HttpMethods.IsOptions(context.Request.Method))
                {
                    self!.Preflights.Enqueue(new ReceivedCall("OPTIONS", context.Request.Path.Value ?? "",
                        context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal), ""));
                    context.Response.Headers.AccessControlAllowMethods = "GET, POST, PUT, DELETE";
                    context.Response.Headers.AccessControlAllowHeaders = "authorization, content-type";
                    context.Response.StatusCode = 204;
                    return;
                }
            }
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
            self!.Calls.Enqueue(new ReceivedCall(context.Request.Method, context.Request.Path.Value ?? "", headers, body));
            if (context.Request.Path == "/forge/lifecycle" && self.FailuresBeforeSuccess > 0)
            {
                self.FailuresBeforeSuccess--;
                context.Response.StatusCode = 500;
                await context.Response.WriteAsJsonAsync(new { error = "not yet" });
                return;
            }
            if (context.Request.Path == "/api/me")
            {
                using var http = new HttpClient();
                using var request = new HttpRequestMessage(HttpMethod.Get, self.JiraBase + "/rest/api/3/myself");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", headers.GetValueOrDefault("x-forge-oauth-user", ""));
                using var response = await http.SendAsync(request);
                var myself = await response.Content.ReadAsStringAsync();
                await context.Response.WriteAsJsonAsync(new JsonObject
                {
                    ["myselfStatus"] = (int)response.StatusCode,
                    ["myself"] = response.IsSuccessStatusCode ? JsonNode.Parse(myself) : null,
                    ["echo"] = body.Length > 0 ? JsonNode.Parse(body) : null,
                });
                return;
            }
            if (context.Request.Path == "/api/ping")
            {
                var hasFit = headers.GetValueOrDefault("authorization", "").StartsWith("Bearer ey", StringComparison.Ordinal);
                var hasOAuth = headers.ContainsKey("x-forge-oauth-user") || headers.ContainsKey("x-forge-oauth-system");
                await context.Response.WriteAsync($"fit={hasFit} oauth={hasOAuth}");
                return;
            }
            await context.Response.WriteAsJsonAsync(new { ok = true });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new FakeRemote(app, certificate, address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/'));
        return self;
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }
}
