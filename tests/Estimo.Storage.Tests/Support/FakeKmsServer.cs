using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Estimo.Storage.Tests.Support;

/// <summary>
/// A stand-in for AWS KMS on 127.0.0.1 that speaks the documented JSON protocol for the calls
/// Estimo makes: POST with <c>X-Amz-Target: TrentService.GenerateDataKey | Decrypt | Encrypt</c>
/// and <c>Content-Type: application/x-amz-json-1.1</c>, base64 blobs, and errors as HTTP 400
/// with <c>{"__type":"NotFoundException","message":…}</c>. It is a contract test double, not
/// KMS: its "ciphertext" is an opaque handle to a key it remembers, bound to the encryption
/// context as KMS binds it.
/// </summary>
public sealed class FakeKmsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (string KeyId, byte[] Plaintext, string Context)> _blobs = new();

    private FakeKmsServer(WebApplication app) => _app = app;

    /// <summary>The only key ARN this server knows.</summary>
    public const string KeyArn = "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

    public Uri Url { get; private set; } = null!;

    /// <summary>Every request: target, content type, body.</summary>
    public ConcurrentQueue<(string Target, string ContentType, JsonObject Body)> Requests { get; } = new();

    /// <summary>When set, every call fails with this error type.</summary>
    public string? FailWith { get; set; }

    public int Count(string operation) => Requests.Count(r => r.Target == "TrentService." + operation);

    public static async Task<FakeKmsServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeKmsServer(app);
        app.MapPost("/", server.HandleAsync);
        await app.StartAsync();
        server.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        var contentType = context.Request.ContentType ?? string.Empty;
        var body = (await JsonNode.ParseAsync(context.Request.Body))?.AsObject() ?? [];
        Requests.Enqueue((target, contentType, body));
        if (!contentType.StartsWith("application/x-amz-json-1.1", StringComparison.Ordinal))
        {
            await ErrorAsync(context, "ValidationException", "Content-Type must be application/x-amz-json-1.1");
            return;
        }

        if (FailWith is { } failure)
        {
            await ErrorAsync(context, failure, "Injected failure.");
            return;
        }

        var keyId = body["KeyId"]?.GetValue<string>();
        var encryptionContext = body["EncryptionContext"]?.ToJsonString() ?? "{}";
        switch (target)
        {
            case "TrentService.GenerateDataKey" when keyId != KeyArn:
            case "TrentService.Encrypt" when keyId != KeyArn:
            case "TrentService.Decrypt" when keyId is not null && keyId != KeyArn:
                await ErrorAsync(context, "NotFoundException", $"Key '{keyId}' does not exist");
                return;
            case "TrentService.GenerateDataKey" when body["KeySpec"]?.GetValue<string>() != "AES_256":
                await ErrorAsync(context, "ValidationException", "KeySpec must be AES_256 here");
                return;
            case "TrentService.GenerateDataKey":
            {
                var plaintext = RandomNumberGenerator.GetBytes(32);
                var blob = Remember(plaintext, encryptionContext);
                await JsonAsync(context, new JsonObject { ["CiphertextBlob"] = blob, ["KeyId"] = KeyArn, ["Plaintext"] = Convert.ToBase64String(plaintext) });
                return;
            }

            case "TrentService.Encrypt":
            {
                var blob = Remember(Convert.FromBase64String(body["Plaintext"]!.GetValue<string>()), encryptionContext);
                await JsonAsync(context, new JsonObject { ["CiphertextBlob"] = blob, ["KeyId"] = KeyArn, ["EncryptionAlgorithm"] = "SYMMETRIC_DEFAULT" });
                return;
            }

            case "TrentService.Decrypt":
            {
                var blob = body["CiphertextBlob"]?.GetValue<string>() ?? string.Empty;
                if (!_blobs.TryGetValue(blob, out var entry) || entry.Context != encryptionContext)
                {
                    await ErrorAsync(context, "InvalidCiphertextException", null);
                    return;
                }

                await JsonAsync(context, new JsonObject { ["KeyId"] = entry.KeyId, ["Plaintext"] = Convert.ToBase64String(entry.Plaintext), ["EncryptionAlgorithm"] = "SYMMETRIC_DEFAULT" });
                return;
            }

            default:
                await ErrorAsync(context, "UnknownOperationException", null);
                return;
        }
    }

    private string Remember(byte[] plaintext, string encryptionContext)
    {
        var blob = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        _blobs[blob] = (KeyArn, plaintext, encryptionContext);
        return blob;
    }

    private static async Task JsonAsync(HttpContext context, JsonObject body)
    {
        context.Response.ContentType = "application/x-amz-json-1.1";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private static async Task ErrorAsync(HttpContext context, string type, string? message)
    {
        context.Response.StatusCode = (int)HttpStatusCode.BadRequest;
        context.Response.ContentType = "application/x-amz-json-1.1";
        var body = new JsonObject { ["__type"] = type };
        if (message is not null)
        {
            body["message"] = message;
        }

        await context.Response.WriteAsync(body.ToJsonString());
    }
}
