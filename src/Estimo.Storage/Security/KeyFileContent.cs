using System.Text.Json.Serialization;

namespace Estimo.Storage.Security;

/// <summary>The JSON shape of the local key file.</summary>
internal sealed record KeyFileContent(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("keyId")] string? KeyId,
    [property: JsonPropertyName("key")] string? Key);

[JsonSerializable(typeof(KeyFileContent))]
internal sealed partial class KeyFileJsonContext : JsonSerializerContext;
