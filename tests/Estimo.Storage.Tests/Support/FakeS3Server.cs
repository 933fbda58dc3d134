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
/// server-side-encryption headers each PUT carried so tests can check them, and every PUT's
/// headers and aws-chunked trailers (<see cref="PutRequests"/>). Object Lock as S3 documents it:
/// a PUT with <c>x-amz-object-lock-*</c> headers is refused with <c>400 InvalidRequest</c> when
/// the bucket has no Object Lock (<see cref="ObjectLockEnabled"/> false) or when it carries
/// neither <c>Content-MD5</c> nor an <c>x-amz-checksum-*</c> value (header or trailer); a
/// CRC32 checksum that does not match the content is <c>400 BadDigest</c>.
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

    /// <summary>Every PutObject with all its headers and aws-chunked trailers (names lower case).</summary>
    public ConcurrentQueue<FakeS3Put> PutRequests { get; } = new();

    /// <summary>Whether the bucket was created with Object Lock enabled (true by default).</summary>
    public bool ObjectLockEnabled { get; set; } = true;

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
                var trailers = new Dictionary<string, string>(StringComparer.Ordinal);
                var contentSha = context.Request.Headers["x-amz-content-sha256"].ToString();
                if (context.Request.Headers.ContentEncoding.ToString().Contains("aws-chunked", StringComparison.Ordinal)
                    || contentSha.StartsWith("STREAMING-", StringComparison.Ordinal))
                {
                    body = DecodeAwsChunked(body, trailers);
                }

                var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
                var put = new FakeS3Put(key, headers, trailers);
                PutRequests.Enqueue(put);
                if (put.Checksums.TryGetValue("x-amz-checksum-crc32", out var crc32) && crc32 != Crc32Of(body))
                {
                    await ErrorAsync(context, 400, "BadDigest", "The CRC32 you specified did not match the calculated checksum.");
                    return;
                }

                if (put.ObjectLockMode is not null || put.ObjectLockRetainUntil is not null)
                {
                    if (!ObjectLockEnabled)
                    {
                        await ErrorAsync(context, 400, "InvalidRequest", "Bucket is missing Object Lock Configuration");
                        return;
                    }

                    if (!put.HasChecksum)
                    {
                        await ErrorAsync(context, 400, "InvalidRequest", "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters");
                        return;
                    }
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

    /// <summary>S3's x-amz-checksum-crc32: the big-endian CRC-32 of the content, base64.</summary>
    public static string Crc32Of(byte[] content)
    {
        var value = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(value, System.IO.Hashing.Crc32.HashToUInt32(content));
        return Convert.ToBase64String(value);
    }

    /// <summary>aws-chunked: "hex-size[;chunk-signature=…]\r\n" data "\r\n" …, a zero-size chunk, then trailers.</summary>
    private static byte[] DecodeAwsChunked(byte[] body, Dictionary<string, string> trailers)
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
                foreach (var line in Encoding.ASCII.GetString(body, at, body.Length - at).Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
                {
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    if (colon > 0)
                    {
                        trailers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
                    }
                }

                return output.ToArray();
            }

            output.Write(body, at, size);
            at += size + 2;
        }
    }

    private static async Task ErrorAsync(HttpContext context, int status, string code, string? message = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/xml";
        await context.Response.WriteAsync(
            $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{SecurityElement.Escape(message ?? $"Injected {code}.")}</Message><RequestId>r1</RequestId><HostId>h1</HostId></Error>");
    }
}

/// <summary>One PutObject as the fake received it: the key, every header and every aws-chunked trailer (names lower case).</summary>
public sealed record FakeS3Put(string Key, IReadOnlyDictionary<string, string> Headers, IReadOnlyDictionary<string, string> Trailers)
{
    public string? ObjectLockMode => Headers.GetValueOrDefault("x-amz-object-lock-mode");

    /// <summary>x-amz-object-lock-retain-until-date, parsed (ISO 8601, UTC).</summary>
    public DateTimeOffset? ObjectLockRetainUntil => Headers.TryGetValue("x-amz-object-lock-retain-until-date", out var value)
        ? DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)
        : null;

    /// <summary>The x-amz-checksum-* values sent, as header or as trailer, by name.</summary>
    public IReadOnlyDictionary<string, string> Checksums => Headers.Concat(Trailers)
        .Where(h => h.Key.StartsWith("x-amz-checksum-", StringComparison.Ordinal) && h.Key != "x-amz-checksum-type" && h.Value.Length > 0)
        .ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal);

    /// <summary>Content-MD5 or an x-amz-checksum-* value: what S3 requires of an Object Lock PUT.</summary>
    public bool HasChecksum => Headers.ContainsKey("content-md5") || Checksums.Count > 0;
}
