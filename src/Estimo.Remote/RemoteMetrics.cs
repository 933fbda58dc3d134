using System.Diagnostics.Metrics;
using Estimo.Forge.Authentication;

namespace Estimo.Remote;

/// <summary>
/// The remote's own counters and histograms (meter <c>Estimo.Remote</c>). Labels are bounded
/// enumerations (a rule, a reason, a status code) and never carry tenant data, tokens or text.
/// Gauges over live state are in <c>Monitoring/RemoteGauges</c>; the full list is in
/// docs/observability.md.
/// </summary>
internal static class RemoteMetrics
{
    public const string MeterName = "Estimo.Remote";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> FitRejections = Meter.CreateCounter<long>(
        "estimo.fit.rejections", unit: "{token}", description: "Forge invocation tokens rejected, by failed rule.");

    private static readonly Histogram<double> FanOutDuration = Meter.CreateHistogram<double>(
        "estimo.realtime.fanout.duration", unit: "s", description: "From a session change to a waiting long poll being answered with it.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    private static readonly Counter<long> JiraCalls = Meter.CreateCounter<long>(
        "estimo.jira.calls", unit: "{call}", description: "Calls to Jira as the user, by response status code (0: no answer).");

    private static readonly Counter<long> JiraRateLimited = Meter.CreateCounter<long>(
        "estimo.jira.rate_limited", unit: "{call}", description: "Jira answers of 429 Too Many Requests.");

    private static readonly Counter<long> LogsShipped = Meter.CreateCounter<long>(
        "estimo.logs.shipped", unit: "{event}", description: "Log events acknowledged by Elasticsearch.");

    private static readonly Counter<long> LogShipFailures = Meter.CreateCounter<long>(
        "estimo.logs.ship_failures", unit: "{request}", description: "Bulk requests that failed as a whole, by reason (status code or unreachable).");

    private static readonly Counter<long> LogsTruncated = Meter.CreateCounter<long>(
        "estimo.logs.truncated", unit: "{event}", description: "Log events larger than Logs:Elasticsearch:MaxEventBytes, truncated before buffering.");

    private static readonly Counter<long> LogsDropped = Meter.CreateCounter<long>(
        "estimo.logs.dropped", unit: "{event}", description: "Log events not buffered for Elasticsearch, by reason (buffer_full).");

    private static readonly Counter<long> LogsRejected = Meter.CreateCounter<long>(
        "estimo.logs.rejected", unit: "{event}", description: "Log events Elasticsearch refused for good (moved to rejected.ndjson).");

    public static void FitRejected(FitFailure failure) =>
        FitRejections.Add(1, new KeyValuePair<string, object?>("reason", failure.ToString()));

    public static void FannedOut(TimeSpan latency) => FanOutDuration.Record(latency.TotalSeconds);

    public static void JiraCalled(int statusCode)
    {
        JiraCalls.Add(1, new KeyValuePair<string, object?>("http.response.status_code", statusCode));
        if (statusCode == 429)
        {
            JiraRateLimited.Add(1);
        }
    }

    public static void LogEventShipped() => LogsShipped.Add(1);

    public static void LogShipFailed(string reason) => LogShipFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public static void LogEventTruncated() => LogsTruncated.Add(1);

    public static void LogEventDropped(string reason) => LogsDropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public static void LogEventRejected(int count) => LogsRejected.Add(count);
}
