using System.Diagnostics.Metrics;
using Estimo.Remote.Logging.Shipping;
using Estimo.Remote.Sessions;

namespace Estimo.Remote.Monitoring;

/// <summary>
/// Gauges over this instance's live state (meter <c>Estimo.Remote</c>, created through
/// <see cref="IMeterFactory"/> so each host reports its own): active sessions, waiting
/// participants, and the log buffer's depth.
/// </summary>
internal sealed class RemoteGauges
{
    private static readonly TimeSpan ActiveWindow = TimeSpan.FromMinutes(5);

    public RemoteGauges(IMeterFactory meters, SessionHub hub, LogShipping shipping)
    {
        var meter = meters.Create(RemoteMetrics.MeterName);
        meter.CreateObservableGauge(
            "estimo.sessions.active",
            () => hub.Activity(ActiveWindow).Sessions,
            unit: "{session}",
            description: "Sessions on this instance with a waiting long poll or a change in the last 5 minutes.");
        meter.CreateObservableGauge(
            "estimo.sessions.participants",
            () => hub.Activity(ActiveWindow).Participants,
            unit: "{participant}",
            description: "Participants connected to this instance (long polls waiting for a change).");
        if (shipping.Buffer is { } buffer)
        {
            meter.CreateObservableGauge(
                "estimo.logs.buffer.bytes",
                () => buffer.Bytes,
                unit: "By",
                description: "Bytes of log events on disk waiting for Elasticsearch (alarm LogBufferBytes).");
            meter.CreateObservableCounter(
                "estimo.logs.queue_dropped",
                () => shipping.Queue.Dropped,
                unit: "{event}",
                description: "Log events dropped before the disk buffer because its in-memory queue (10 000) was full.");
            meter.CreateObservableGauge(
                "estimo.logs.buffer.capacity",
                () => buffer.MaxBytes,
                unit: "By",
                description: "The log buffer's cap (Logs:Elasticsearch:MaxBufferBytes).");
        }
    }
}
