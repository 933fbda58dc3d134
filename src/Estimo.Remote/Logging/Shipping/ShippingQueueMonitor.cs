using Serilog.Sinks.Async;

namespace Estimo.Remote.Logging.Shipping;

/// <summary>
/// Watches the in-memory queue in front of the durable buffer (Serilog's async wrapper, which
/// drops rather than block a request when a burst outruns the disk), so those drops are counted.
/// </summary>
internal sealed class ShippingQueueMonitor : IAsyncLogEventSinkMonitor
{
    private IAsyncLogEventSinkInspector? _inspector;

    /// <summary>Events dropped because the queue was full, since start.</summary>
    public long Dropped => Volatile.Read(ref _inspector)?.DroppedMessagesCount ?? 0;

    /// <summary>Events waiting in the queue.</summary>
    public int Depth => Volatile.Read(ref _inspector)?.Count ?? 0;

    public void StartMonitoring(IAsyncLogEventSinkInspector inspector) => Volatile.Write(ref _inspector, inspector);

    public void StopMonitoring(IAsyncLogEventSinkInspector inspector) => Volatile.Write(ref _inspector, null);
}
