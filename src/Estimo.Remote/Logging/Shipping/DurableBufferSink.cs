using System.Text;
using System.Text.Json.Nodes;
using Serilog.Core;
using Serilog.Events;

namespace Estimo.Remote.Logging.Shipping;

/// <summary>
/// The Serilog sink in front of the durable buffer: formats each event with the same ECS
/// formatter (and scrubber) as the console, truncates an oversized one, and appends it to disk.
/// It runs behind Serilog's async wrapper, so a request thread only enqueues.
/// </summary>
internal sealed class DurableBufferSink(DurableLogBuffer buffer, EcsJsonFormatter formatter, int maxEventBytes) : ILogEventSink
{
    public const string TruncatedTag = "truncated";
    private const int MinimumStringLength = 256;

    public void Emit(LogEvent logEvent)
    {
        using var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        formatter.Format(logEvent, writer);
        var json = writer.ToString().TrimEnd('\n');
        if (Encoding.UTF8.GetByteCount(json) > maxEventBytes)
        {
            json = Truncate(json, maxEventBytes);
            RemoteMetrics.LogEventTruncated();
        }

        if (!buffer.TryAppend(Guid.CreateVersion7().ToString("N"), json))
        {
            RemoteMetrics.LogEventDropped("buffer_full");
        }
    }

    /// <summary>
    /// Halves the longest strings until the event fits, and tags it <c>truncated</c> (ECS
    /// <c>tags</c>). If it still does not fit (thousands of fields), only the ECS basics and the
    /// start of the message are kept.
    /// </summary>
    internal static string Truncate(string json, int maxBytes)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        root["tags"] = new JsonArray(TruncatedTag);
        for (var round = 0; round < 64 && Encoding.UTF8.GetByteCount(root.ToJsonString()) > maxBytes; round++)
        {
            var longest = Strings(root).OrderByDescending(v => v.GetValue<string>().Length).FirstOrDefault();
            if (longest is null || longest.GetValue<string>().Length <= MinimumStringLength)
            {
                break;
            }

            var text = longest.GetValue<string>();
            var cut = text.Length / 2;
            if (char.IsHighSurrogate(text[cut - 1]))
            {
                cut--; // never split a surrogate pair: the JSON writer refuses half a character
            }

            longest.ReplaceWith(JsonValue.Create(text[..cut] + "…[truncated]"));
        }

        var result = root.ToJsonString();
        if (Encoding.UTF8.GetByteCount(result) <= maxBytes)
        {
            return result;
        }

        var message = root["message"]?.GetValue<string>() ?? string.Empty;
        var minimal = new JsonObject
        {
            ["@timestamp"] = root["@timestamp"]?.DeepClone(),
            ["log.level"] = root["log.level"]?.DeepClone(),
            ["message"] = Prefix(message, MinimumStringLength) + "…[truncated]",
            ["ecs.version"] = root["ecs.version"]?.DeepClone(),
            ["service"] = root["service"]?.DeepClone(),
            ["tags"] = new JsonArray(TruncatedTag),
        };
        return minimal.ToJsonString();
    }

    private static string Prefix(string text, int length)
    {
        if (text.Length <= length)
        {
            return text;
        }

        return char.IsHighSurrogate(text[length - 1]) ? text[..(length - 1)] : text[..length];
    }

    private static IEnumerable<JsonValue> Strings(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    if (child is not null && name is not "@timestamp" and not "ecs.version")
                    {
                        foreach (var s in Strings(child))
                        {
                            yield return s;
                        }
                    }
                }

                break;
            case JsonArray array:
                foreach (var child in array.ToList())
                {
                    if (child is not null)
                    {
                        foreach (var s in Strings(child))
                        {
                            yield return s;
                        }
                    }
                }

                break;
            case JsonValue value when value.GetValueKind() == System.Text.Json.JsonValueKind.String:
                yield return value;
                break;
        }
    }
}
