using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Parsing;

namespace Estimo.Remote.Logging;

/// <summary>
/// Writes each event as one line of Elastic Common Schema JSON (ecs.version 8.11).
/// </summary>
/// <remarks>
/// Elastic's ECS formatter for Serilog is not served in our package registry, so this small
/// formatter follows the ECS logging specification: <c>@timestamp</c>, <c>log.level</c>,
/// <c>message</c> and <c>ecs.version</c> first, then nested field sets. Properties we know map
/// to ECS fields; the rest go under the custom <c>estimo</c> namespace, as ECS advises.
/// Every string passes through <see cref="LogScrubber"/> last, as a safety net behind the rule
/// that tokens are never logged in the first place.
/// </remarks>
public sealed class EcsJsonFormatter : ITextFormatter
{
    public const string EcsVersion = "8.11.0";

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, SkipValidation = true };

    private readonly string _serviceName;
    private readonly string _environment;

    public EcsJsonFormatter(string serviceName, string environment)
    {
        _serviceName = serviceName;
        _environment = environment;
    }

    public void Format(LogEvent logEvent, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        ArgumentNullException.ThrowIfNull(output);

        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(logEvent, json);
        }

        output.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        output.Write('\n');
    }

    private void Write(LogEvent logEvent, Utf8JsonWriter json)
    {
        var props = logEvent.Properties;
        json.WriteStartObject();
        json.WriteString("@timestamp", logEvent.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        json.WriteString("log.level", LevelName(logEvent.Level));
        json.WriteString("message", LogScrubber.Scrub(RenderMessage(logEvent)));
        json.WriteString("ecs.version", EcsVersion);

        json.WriteStartObject("service");
        json.WriteString("name", _serviceName);
        json.WriteString("environment", _environment);
        json.WriteEndObject();

        json.WriteStartObject("log");
        if (props.TryGetValue("SourceContext", out var source))
        {
            json.WriteString("logger", LogScrubber.Scrub(ScalarText(source)));
        }

        json.WriteEndObject();

        WriteEvent(props, json);
        WriteHttp(props, json);
        WriteTrace(logEvent, json);

        if (logEvent.Exception is { } exception)
        {
            // Type and message only: a stack trace belongs in the log, but an exception
            // message can carry input; scrub it like everything else.
            json.WriteStartObject("error");
            json.WriteString("type", exception.GetType().FullName);
            json.WriteString("message", LogScrubber.Scrub(exception.Message));
            json.WriteString("stack_trace", LogScrubber.Scrub(exception.StackTrace ?? string.Empty));
            json.WriteEndObject();
        }

        var custom = props.Where(p => !MappedProperties.Contains(p.Key)).ToList();
        if (custom.Count > 0)
        {
            json.WriteStartObject("estimo");
            foreach (var (name, value) in custom)
            {
                json.WritePropertyName(ToSnakeCase(name));
                WriteValue(name, value, json);
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static readonly HashSet<string> MappedProperties = new(StringComparer.Ordinal)
    {
        "SourceContext", "EventId", "RequestId", "RequestMethod", "StatusCode", "Outcome", "ElapsedMs",
        "TraceId", "SpanId", "ParentId", "ConnectionId", "RequestPath",
    };

    private static void WriteEvent(IReadOnlyDictionary<string, LogEventPropertyValue> props, Utf8JsonWriter json)
    {
        json.WriteStartObject("event");
        if (props.TryGetValue("EventId", out var eventId) && eventId is StructureValue structure)
        {
            foreach (var p in structure.Properties)
            {
                if (p.Name == "Id")
                {
                    json.WriteString("code", ScalarText(p.Value));
                }
                else if (p.Name == "Name")
                {
                    json.WriteString("action", ScalarText(p.Value));
                }
            }
        }

        if (props.TryGetValue("Outcome", out var outcome))
        {
            json.WriteString("outcome", ScalarText(outcome));
        }

        if (props.TryGetValue("ElapsedMs", out var elapsed) && elapsed is ScalarValue { Value: double ms })
        {
            json.WriteNumber("duration", (long)(ms * 1_000_000));
        }

        json.WriteEndObject();
    }

    private static void WriteHttp(IReadOnlyDictionary<string, LogEventPropertyValue> props, Utf8JsonWriter json)
    {
        var hasRequest = props.TryGetValue("RequestId", out var requestId);
        var hasMethod = props.TryGetValue("RequestMethod", out var method);
        var hasStatus = props.TryGetValue("StatusCode", out var status);
        if (!hasRequest && !hasMethod && !hasStatus)
        {
            return;
        }

        json.WriteStartObject("http");
        if (hasRequest || hasMethod)
        {
            json.WriteStartObject("request");
            if (hasRequest)
            {
                json.WriteString("id", ScalarText(requestId!));
            }

            if (hasMethod)
            {
                json.WriteString("method", ScalarText(method!));
            }

            json.WriteEndObject();
        }

        if (hasStatus && status is ScalarValue { Value: int code })
        {
            json.WriteStartObject("response");
            json.WriteNumber("status_code", code);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static void WriteTrace(LogEvent logEvent, Utf8JsonWriter json)
    {
        var traceId = logEvent.TraceId?.ToHexString() ?? Activity.Current?.TraceId.ToHexString();
        var spanId = logEvent.SpanId?.ToHexString() ?? Activity.Current?.SpanId.ToHexString();
        if (!string.IsNullOrEmpty(traceId) && traceId != "00000000000000000000000000000000")
        {
            json.WriteStartObject("trace");
            json.WriteString("id", traceId);
            json.WriteEndObject();
            if (!string.IsNullOrEmpty(spanId))
            {
                json.WriteStartObject("span");
                json.WriteString("id", spanId);
                json.WriteEndObject();
            }
        }
    }

    private static void WriteValue(string name, LogEventPropertyValue value, Utf8JsonWriter json)
    {
        // The never-logged list by name: whatever the value, it is not written.
        if (LogScrubber.IsNeverLoggedName(name))
        {
            json.WriteStringValue(LogScrubber.Redacted);
            return;
        }

        switch (value)
        {
            case ScalarValue { Value: null }:
                json.WriteNullValue();
                break;
            case ScalarValue { Value: bool b }:
                json.WriteBooleanValue(b);
                break;
            case ScalarValue { Value: int or long or short or byte or uint or ulong or ushort } s:
                json.WriteNumberValue(Convert.ToInt64(s.Value, CultureInfo.InvariantCulture));
                break;
            case ScalarValue { Value: double or float or decimal } s:
                json.WriteNumberValue(Convert.ToDouble(s.Value, CultureInfo.InvariantCulture));
                break;
            case ScalarValue s:
                json.WriteStringValue(LogScrubber.Scrub(Convert.ToString(s.Value, CultureInfo.InvariantCulture) ?? string.Empty));
                break;
            case SequenceValue seq:
                json.WriteStartArray();
                foreach (var element in seq.Elements)
                {
                    WriteValue(name, element, json);
                }

                json.WriteEndArray();
                break;
            case StructureValue structure:
                json.WriteStartObject();
                foreach (var p in structure.Properties)
                {
                    json.WritePropertyName(ToSnakeCase(p.Name));
                    WriteValue(p.Name, p.Value, json);
                }

                json.WriteEndObject();
                break;
            case DictionaryValue dictionary:
                json.WriteStartObject();
                foreach (var (key, element) in dictionary.Elements)
                {
                    var keyText = ScalarText(key);
                    json.WritePropertyName(LogScrubber.Scrub(keyText));
                    WriteValue(keyText, element, json);
                }

                json.WriteEndObject();
                break;
            default:
                json.WriteStringValue(LogScrubber.Scrub(value.ToString()));
                break;
        }
    }

    /// <summary>
    /// Renders the message with string values as they are (Serilog's default quotes them), and
    /// never-logged properties as <c>[redacted]</c>.
    /// </summary>
    private static string RenderMessage(LogEvent logEvent)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        foreach (var token in logEvent.MessageTemplate.Tokens)
        {
            if (token is PropertyToken named && LogScrubber.IsNeverLoggedName(named.PropertyName))
            {
                text.Write(LogScrubber.Redacted);
            }
            else if (token is PropertyToken property
                && logEvent.Properties.TryGetValue(property.PropertyName, out var value)
                && value is ScalarValue { Value: string raw })
            {
                text.Write(raw);
            }
            else
            {
                token.Render(logEvent.Properties, text, CultureInfo.InvariantCulture);
            }
        }

        return text.ToString();
    }

    private static string ScalarText(LogEventPropertyValue value) =>
        value is ScalarValue s ? Convert.ToString(s.Value, CultureInfo.InvariantCulture) ?? string.Empty : value.ToString();

    private static string LevelName(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => "trace",
        LogEventLevel.Debug => "debug",
        LogEventLevel.Information => "info",
        LogEventLevel.Warning => "warn",
        LogEventLevel.Error => "error",
        LogEventLevel.Fatal => "fatal",
        _ => "info",
    };

    private static string ToSnakeCase(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
