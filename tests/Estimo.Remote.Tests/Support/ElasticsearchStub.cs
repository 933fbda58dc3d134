using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Estimo.Remote.Tests.Support;

/// <summary>
/// A local stand-in for Elasticsearch (which cannot be installed here) implementing the parts
/// of the documented API the shipper uses, over real HTTP on 127.0.0.1:
/// <c>POST /{target}/_bulk</c> with an NDJSON body of action/source pairs, answered with
/// per-item results (201 created, 409 for an id already stored, or whatever
/// <see cref="ItemStatus"/> decides: 429/5xx/400 items), or a whole-request failure
/// (<see cref="FailWholeWith"/>: 429, 503…); and <c>GET /_security/_authenticate</c>.
/// Both check the <c>ApiKey</c> authorization header.
/// </summary>
public sealed class ElasticsearchStub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, JsonObject> _documents = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<BulkRequest> _requests = new();

    private ElasticsearchStub(WebApplication app) => _app = app;

    public const string ApiKey = "c3R1Yi1rZXktaWQ6c3R1Yi1rZXktc2VjcmV0LXZhbHVl";

    public Uri Url { get; private set; } = null!;

    /// <summary>When set, every bulk request is answered with this status and nothing is stored.</summary>
    public int? FailWholeWith { get; set; }

    /// <summary>Decides an item's status (0 or unset: 201 created).</summary>
    public Func<string, JsonObject, int>? ItemStatus { get; set; }

    /// <summary>Documents stored, by id.</summary>
    public IReadOnlyDictionary<string, JsonObject> Documents => _documents;

    public IReadOnlyCollection<BulkRequest> Requests => _requests;

    public sealed record BulkRequest(string Target, string? ContentType, IReadOnlyList<string> Ids, string Body);

    public static async Task<ElasticsearchStub> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var stub = new ElasticsearchStub(app);
        app.MapGet("/_security/_authenticate", (HttpContext http) =>
            Authorized(http)
                ? Results.Json(new JsonObject { ["username"] = "estimo-shipper", ["authentication_type"] = "api_key" })
                : Unauthorized());
        app.MapPost("/{target}/_bulk", async (HttpContext http, string target) =>
        {
            if (!Authorized(http))
            {
                return Unauthorized();
            }

            // Elasticsearch accepts gzip request bodies (http.compression), and the transport sends them.
            var gzip = http.Request.Headers.ContentEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase);
            using var reader = new StreamReader(gzip ? new GZipStream(http.Request.Body, CompressionMode.Decompress) : http.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var ids = new List<string>();
            var pairs = new List<(string Id, JsonObject Source)>();
            for (var i = 0; i + 1 < lines.Length; i += 2)
            {
                var action = JsonNode.Parse(lines[i])!.AsObject();
                var id = action["create"]!["_id"]!.GetValue<string>();
                ids.Add(id);
                pairs.Add((id, JsonNode.Parse(lines[i + 1])!.AsObject()));
            }

            stub._requests.Enqueue(new BulkRequest(target, http.Request.ContentType, ids, body));
            if (stub.FailWholeWith is { } whole)
            {
                return Results.Json(Error(whole == 429 ? "es_rejected_execution_exception" : "unavailable"), statusCode: whole);
            }

            var items = new JsonArray();
            var errors = false;
            foreach (var (id, source) in pairs)
            {
                var status = stub._documents.ContainsKey(id) ? 409 : stub.ItemStatus?.Invoke(id, source) ?? 201;
                status = status == 0 ? 201 : status;
                var item = new JsonObject { ["_index"] = ".ds-" + target + "-000001", ["_id"] = id, ["status"] = status };
                if (status == 201)
                {
                    stub._documents[id] = source;
                    item["result"] = "created";
                }
                else
                {
                    errors = true;
                    item["error"] = Error(status switch
                    {
                        409 => "version_conflict_engine_exception",
                        429 => "es_rejected_execution_exception",
                        400 => "document_parsing_exception",
                        _ => "unavailable_shards_exception",
                    })["error"]!.DeepClone();
                }

                items.Add(new JsonObject { ["create"] = item });
            }

            return Results.Json(new JsonObject { ["took"] = 3, ["errors"] = errors, ["items"] = items });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        stub.Url = new Uri(address);
        return stub;
    }

    /// <summary>Waits until <paramref name="count"/> documents are stored.</summary>
    public async Task WaitForDocumentsAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (_documents.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static bool Authorized(HttpContext http) =>
        http.Request.Headers.Authorization.ToString() == "ApiKey " + ApiKey;

    private static IResult Unauthorized() =>
        Results.Json(Error("security_exception"), statusCode: 401);

    private static JsonObject Error(string type) =>
        new() { ["error"] = new JsonObject { ["type"] = type, ["reason"] = type.Replace('_', ' ') }, ["status"] = 0 };
}
