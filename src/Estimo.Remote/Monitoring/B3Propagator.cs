using System.Diagnostics;

namespace Estimo.Remote.Monitoring;

/// <summary>
/// Continues the Zipkin B3 trace context Forge sends (<c>x-b3-traceid</c>, <c>x-b3-spanid</c>,
/// <c>x-b3-sampled</c>, <c>x-b3-flags</c>, or the single <c>b3</c> header): the request's
/// activity becomes a child of Forge's span, so every log line of the request carries Forge's
/// trace id (<c>trace.id</c>). W3C <c>traceparent</c> is used when no B3 header is present, and
/// both are written on outgoing calls.
/// </summary>
/// <remarks>
/// OpenTelemetry's B3 propagator package is not served in our registry; this is the
/// B3 header specification (github.com/openzipkin/b3-propagation) on the BCL's
/// <see cref="DistributedContextPropagator"/>, which ASP.NET Core's hosting layer asks.
/// 64-bit trace ids are left-padded to 128 bits, as the specification says.
/// </remarks>
internal sealed class B3Propagator(DistributedContextPropagator fallback) : DistributedContextPropagator
{
    private const string TraceIdHeader = "x-b3-traceid";
    private const string SpanIdHeader = "x-b3-spanid";
    private const string SampledHeader = "x-b3-sampled";
    private const string FlagsHeader = "x-b3-flags";
    private const string SingleHeader = "b3";

    public override IReadOnlyCollection<string> Fields { get; } =
        [TraceIdHeader, SpanIdHeader, SampledHeader, FlagsHeader, SingleHeader, .. fallback.Fields];

    public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
    {
        if (getter is not null && TryExtractB3(carrier, getter) is { } parent)
        {
            traceId = parent;
            traceState = null;
            return;
        }

        fallback.ExtractTraceIdAndState(carrier, getter, out traceId, out traceState);
    }

    public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) =>
        fallback.ExtractBaggage(carrier, getter);

    public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter)
    {
        if (activity is not null && setter is not null && activity.IdFormat == ActivityIdFormat.W3C)
        {
            setter(carrier, TraceIdHeader, activity.TraceId.ToHexString());
            setter(carrier, SpanIdHeader, activity.SpanId.ToHexString());
            setter(carrier, SampledHeader, activity.Recorded ? "1" : "0");
        }

        fallback.Inject(activity, carrier, setter);
    }

    /// <summary>A W3C <c>traceparent</c> built from the B3 headers, or null when they are absent or malformed.</summary>
    internal static string? TryExtractB3(object? carrier, PropagatorGetterCallback getter)
    {
        getter(carrier, TraceIdHeader, out var traceId, out _);
        getter(carrier, SpanIdHeader, out var spanId, out _);
        getter(carrier, SampledHeader, out var sampled, out _);
        getter(carrier, FlagsHeader, out var flags, out _);
        if (string.IsNullOrEmpty(traceId))
        {
            getter(carrier, SingleHeader, out var single, out _);
            var parts = single?.Split('-');
            if (parts is not { Length: >= 2 })
            {
                return null;
            }

            traceId = parts[0];
            spanId = parts[1];
            sampled = parts.Length > 2 ? parts[2] : null;
        }

        if (traceId is not { Length: 16 or 32 } || !IsHex(traceId) || spanId is not { Length: 16 } || !IsHex(spanId))
        {
            return null;
        }

        var recorded = sampled is "1" or "true" or "d" || flags == "1";
        return $"00-{traceId.PadLeft(32, '0').ToLowerInvariant()}-{spanId.ToLowerInvariant()}-{(recorded ? "01" : "00")}";
    }

    private static bool IsHex(string value) => value.All(char.IsAsciiHexDigit) && value.Any(c => c != '0');
}
