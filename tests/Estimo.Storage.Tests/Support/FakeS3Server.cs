using System.Collections.Concurrent;
using System.Globalization;
using System.Security;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Estimo.Storage.Tests.Support;

/// <summary>
/// A stand-in for Amazon S3 on 127.0.0.1 speaking the REST calls the backup target makes, with
/// path-style addressing: <c>PUT /bucket/key</c> (PutObject; a body in <c>aws-chunked</c>
/// encoding is decoded as S3 does), <c>GET /bucket/key</c>, <c>DELETE /bucket/key</c>, and
/// <c>GET /bucket?list-type=2&amp;prefix=…</c> (ListObjectsV2, XML), errors as S3's XML
/// <c>&lt;Error&gt;&lt;Code&gt;…</c>. It is a contract test double, not S3: it records the
/// server-side-encryption headers each PUT carried so tests can check them.
/// </summary>
public sealed class FakeS3Server : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeS3Server(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    /// <summary>Stored objects by "bucket/key".</summary>
    public ConcurrentDictionary<string, byte[]> Objects { get; } = new();

    /// <summary>Every PutObject: key, x-amz-server-side-encryption, x-amz-server-side-encryption-aws-kms-key-id.</summary>
    public ConcurrentQueue<(string Key, string? Sse, string? KmsKeyId)> Puts { get; } = new();

    /// <summary>When set, every request of this method fails with (HTTP status, S3 error code).</summary>
    public (string Method, int Status, string Code)? FailWith { get; set; }

    public static async Task<FakeS3Server> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeS3Server(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var path = Uri.UnescapeDataString(context.Request.Path.Value!.TrimStart('/'));
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? path : path[..slash];
        var key = slash < 0 ? string.Empty : path[(slash + 1)..];
        var method = context.Request.Method;
        if (FailWith is { } failure && failure.Method == method)
        {
            await ErrorAsync(context, failure.Status, failure.Code);
            return;
        }

        switch (method)
        {
            case "PUT" when key.Length > 0:
            {
                using var buffer = new MemoryStream();
                await context.Request.Body.CopyToAsync(buffer);
                var body = buffer.ToArray();
                var contentSha = context.Request.Headers["x-amz-content-sha256"].ToString();
                if (context.Request.Headers.ContentEncoding.ToString().Contains("aws-chunked", StringComparison.Ordinal)
                    || contentSha.StartsWith("STREAMING-", StringComparison.Ordinal))
                {
                    body = DecodeAwsChunked(body);
                }

                Puts.Enqueue((key, context.Request.Headers["x-amz-server-side-encryption"].FirstOrDefault(), context.Request.Headers["x-amz-server-side-encryption-aws-kms-key-id"].FirstOrDefault()));
                Objects[bucket + "/" + key] = body;
                context.Response.Headers.ETag = "\"" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body)[..16]) + "\""; // opaque to the client
                return;
            }

            case "GET" when key.Length > 0:
                if (!Objects.TryGetValue(bucket + "/" + key, out var stored))
                {
                    await ErrorAsync(context, 404, "NoSuchKey");
                    return;
                }

                context.Response.ContentType = "application/octet-stream";
                context.Response.ContentLength = stored.Length;
                await context.Response.Body.WriteAsync(stored);
                return;
            case "DELETE" when key.Length > 0:
                Objects.TryRemove(bucket + "/" + key, out _);
                context.Response.StatusCode = 204;
                return;
            case "GET" when context.Request.Query["list-type"] == "2":
            {
                var prefix = context.Request.Query["prefix"].ToString();
                var items = Objects.Where(o => o.Key.StartsWith(bucket + "/" + prefix, StringComparison.Ordinal)).OrderBy(o => o.Key, StringComparer.Ordinal).ToList();
                var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
                xml.Append(CultureInfo.InvariantCulture, $"<Name>{bucket}</Name><Prefix>{SecurityElement.Escape(prefix)}</Prefix><KeyCount>{items.Count}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>");
                foreach (var (name, bytes) in items)
                {
                    xml.Append(CultureInfo.InvariantCulture, $"<Contents><Key>{SecurityElement.Escape(name[(bucket.Length + 1)..])}</Key><LastModified>2026-11-29T03:00:00.000Z</LastModified><ETag>\"x\"</ETag><Size>{bytes.Length}</Size><StorageClass>STANDARD</StorageClass></Contents>");
                }

                xml.Append("</ListBucketResult>");
                context.Response.ContentType = "application/xml";
                await context.Response.WriteAsync(xml.ToString());
                return;
            }

            default:
                await ErrorAsync(context, 405, "MethodNotAllowed");
                return;
        }
    }

    /// <summary>aws-chunked: "hex-size[;chunk-signature=…]\r\n" data "\r\n" …, a zero-size chunk, then trailers.</summary>
    private static byte[] DecodeAwsChunked(byte[] body)
    {
        var output = new MemoryStream();
        var at = 0;
        while (true)
        {
            var lineEnd = body.AsSpan(at).IndexOf("\r\n"u8) + at;
            var header = Encoding.ASCII.GetString(body, at, lineEnd - at);
            var size = int.Parse(header.Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            at = lineEnd + 2;
            if (size == 0)
            {
                return output.ToArray();
            }

            output.Write(body, at, size);
            at += size + 2;
        }
    }

    private static async Task ErrorAsync(HttpContext context, int status, string code)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/xml";
        await context.Response.WriteAsync(
            $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>Injected {code}.</Message><RequestId>r1</RequestId><HostId>h1</HostId></Error>");
    }
}
