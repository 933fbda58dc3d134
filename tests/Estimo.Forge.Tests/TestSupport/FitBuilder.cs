using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Estimo.Forge.Tests.TestSupport;

/// <summary>
/// Mints FITs for tests with keys the tests make, independent of the validator's code. Every
/// header and claim can be set, replaced or removed; the payload can also be raw bytes.
/// </summary>
internal sealed class FitBuilder
{
    private byte[]? _rawPayload;
    private byte[]? _rawHeader;

    private FitBuilder(TestKey key, JsonObject header, JsonObject payload)
    {
        Key = key;
        Header = header;
        Payload = payload;
    }

    public TestKey Key { get; private set; }

    public JsonObject Header { get; }

    public JsonObject Payload { get; }

    /// <summary>A FIT as Forge sends it for a UI invocation, issued at <paramref name="now"/>, living 25 s.</summary>
    public static FitBuilder Valid(TestKey key, DateTimeOffset now)
    {
        var issuedAt = now.ToUnixTimeSeconds();
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = key.KeyId };
        var payload = new JsonObject
        {
            ["iss"] = "forge/invocation-token",
            ["aud"] = Some.AppAri,
            ["iat"] = issuedAt,
            ["nbf"] = issuedAt,
            ["exp"] = issuedAt + 25,
            ["jti"] = Guid.NewGuid().ToString(),
            ["principal"] = Some.AccountId,
            ["app"] = new JsonObject
            {
                ["installationId"] = Some.InstallationId,
                ["apiBaseUrl"] = Some.ApiBaseUrl,
                ["id"] = Some.AppAri,
                ["appVersion"] = "2.3.0",
                ["environment"] = new JsonObject { ["type"] = "PRODUCTION", ["id"] = Some.EnvironmentId },
                ["module"] = new JsonObject { ["type"] = "xen:macro", ["key"] = "estimo-issue-panel" },
                ["license"] = new JsonObject { ["isActive"] = true },
            },
            ["context"] = new JsonObject
            {
                ["localId"] = "panel-1",
                ["cloudId"] = Some.CloudId,
                ["moduleKey"] = "estimo-issue-panel",
                ["siteUrl"] = Some.SiteUrl,
                ["extension"] = new JsonObject
                {
                    ["type"] = "jira:issuePanel",
                    ["issue"] = new JsonObject { ["key"] = "EST-1", ["id"] = "10001" },
                    ["project"] = new JsonObject { ["key"] = "EST", ["id"] = "10000" },
                },
            },
        };
        return new FitBuilder(key, header, payload);
    }

    public FitBuilder WithHeader(string name, JsonNode? value)
    {
        Header[name] = value;
        return this;
    }

    public FitBuilder WithoutHeader(string name)
    {
        Header.Remove(name);
        return this;
    }

    /// <summary>Sets a claim by dotted path (<c>app.installationId</c>); a null value is JSON null.</summary>
    public FitBuilder WithClaim(string path, JsonNode? value)
    {
        var (parent, name) = Navigate(path);
        parent[name] = value;
        return this;
    }

    public FitBuilder WithoutClaim(string path)
    {
        var (parent, name) = Navigate(path);
        parent.Remove(name);
        return this;
    }

    public FitBuilder WithRawHeader(string json)
    {
        _rawHeader = Encoding.UTF8.GetBytes(json);
        return this;
    }

    public FitBuilder WithRawPayload(string text)
    {
        _rawPayload = Encoding.UTF8.GetBytes(text);
        return this;
    }

    /// <summary>Signs with <paramref name="key"/> but keeps the header's kid.</summary>
    public FitBuilder SignedBy(TestKey key)
    {
        Key = key;
        return this;
    }

    /// <summary>RS256 (PKCS#1 v1.5, SHA-256) over <c>header.payload</c>.</summary>
    public string Build()
    {
        var signingInput = SigningInput();
        var signature = Key.Rsa.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>The token with a signature made by <paramref name="sign"/> over the signing input.</summary>
    public string BuildWith(Func<byte[], byte[]> sign)
    {
        var signingInput = SigningInput();
        return signingInput + "." + Base64Url.EncodeToString(sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    private string SigningInput()
    {
        var header = _rawHeader ?? Encoding.UTF8.GetBytes(Header.ToJsonString());
        var payload = _rawPayload ?? Encoding.UTF8.GetBytes(Payload.ToJsonString());
        return Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(payload);
    }

    private (JsonObject Parent, string Name) Navigate(string path)
    {
        var parts = path.Split('.');
        var node = Payload;
        foreach (var part in parts[..^1])
        {
            if (node[part] is not JsonObject child)
            {
                child = [];
                node[part] = child;
            }

            node = child;
        }

        return (node, parts[^1]);
    }
}
