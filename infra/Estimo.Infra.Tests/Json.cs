using System.Text.Json.Nodes;

namespace Estimo.Infra.Tests;

internal static class Json
{
    public static string Text(this JsonNode? node) => node?.ToJsonString() ?? "null";

    public static IEnumerable<JsonObject> Objects(this JsonNode? node) =>
        node is JsonArray array ? array.OfType<JsonObject>() : [];

    public static double? Number(this JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<double>(out var d) => d,
        JsonValue value when value.TryGetValue<string>(out var s) && double.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };
}
