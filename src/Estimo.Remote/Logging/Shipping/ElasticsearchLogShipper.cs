using System.Text;
using System.Text.Json;
using Elastic.Transport;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Logging.Shipping;

/// <summary>
/// Sends the durable buffer to the data stream with the documented <c>_bulk</c> API, in the
/// background, and deletes from disk only what Elasticsearch acknowledged.
/// </summary>
/// <remarks>
/// Each event is a <c>create</c> with the id it was given when buffered, so a resend after a
/// crash or a lost answer is answered 409 (already there) and counts as delivered. A whole
/// request that fails (no answer, 429, 5xx, 401/403) keeps every event and backs off,
/// doubling up to <see cref="ElasticsearchOptions.MaxRetryDelay"/>. In a partly failed bulk,
/// items answered 429 or 5xx are kept and retried alone; items Elasticsearch will never take
/// (400 mapping errors) are moved to <c>rejected.ndjson</c> beside the buffer and counted, not
/// retried forever.
/// </remarks>
internal sealed partial class ElasticsearchLogShipper(
    LogShipping shipping,
    IOptions<ElasticsearchOptions> options,
    TimeProvider time,
    ILogger<ElasticsearchLogShipper> log) : BackgroundService
{
    private const string RejectedFile = "rejected.ndjson";
    private const double FillWarningRatio = 0.8;
    private static readonly TimeSpan ShutdownFlushTimeout = TimeSpan.FromSeconds(5);

    private ITransport? _transport;
    private bool _failing;
    private bool _fillWarned;
    private long _refusedReported;
    private long _lastSuccessTicks;

    /// <summary>When a bulk request last succeeded (null before the first).</summary>
    public DateTimeOffset? LastSuccess => Interlocked.Read(ref _lastSuccessTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>Whether the last attempt failed.</summary>
    public bool Failing => Volatile.Read(ref _failing);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (shipping.Buffer is null)
        {
            return;
        }

        var settings = options.Value;
        ShippingStarted(log, shipping.DataStream);
        var delay = settings.FlushInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            bool delivered;
            try
            {
                delivered = await ShipOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The buffer directory itself is failing (disk full, permissions): keep trying;
                // never take the remote down for its logs.
                BufferUnusable(log, ex.GetType().Name);
                delivered = false;
            }

            delay = delivered ? settings.FlushInterval : Min(delay * 2, settings.MaxRetryDelay);
            WatchFill();
        }

        // One last try so a clean shutdown leaves little behind; what is left stays on disk
        // for the next start.
        using var flush = new CancellationTokenSource(ShutdownFlushTimeout);
        try
        {
            await ShipOnceAsync(flush.Token);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            BufferUnusable(log, ex.GetType().Name);
        }
    }

    /// <summary>Ships every sealed segment, oldest first; false when something is still to retry.</summary>
    internal async Task<bool> ShipOnceAsync(CancellationToken cancellationToken)
    {
        var buffer = shipping.Buffer!;
        if (buffer.SealedSegments().Count == 0)
        {
            buffer.Seal();
        }

        foreach (var segment in buffer.SealedSegments())
        {
            IReadOnlyList<BufferedEvent> events;
            try
            {
                events = DurableLogBuffer.Read(segment);
            }
            catch (IOException)
            {
                return false;
            }

            var remaining = new List<BufferedEvent>();
            var changed = false;
            var stop = false;
            foreach (var batch in events.Chunk(options.Value.MaxBatchEvents))
            {
                if (stop)
                {
                    remaining.AddRange(batch);
                    continue;
                }

                var result = await SendAsync(batch, cancellationToken);
                if (result is null)
                {
                    remaining.AddRange(batch);
                    stop = true;
                    continue;
                }

                changed = true;
                remaining.AddRange(result.Value.Retry);
                if (result.Value.Rejected.Count > 0)
                {
                    DeadLetter(result.Value.Rejected);
                }

                if (result.Value.Retry.Count > 0)
                {
                    stop = true;
                }
            }

            if (changed)
            {
                buffer.Replace(segment, remaining);
            }

            if (stop)
            {
                return false;
            }
        }

        return true;
    }

    private async Task<(List<BufferedEvent> Retry, List<(BufferedEvent Event, string ErrorType)> Rejected)?> SendAsync(BufferedEvent[] batch, CancellationToken cancellationToken)
    {
        var body = new StringBuilder();
        foreach (var e in batch)
        {
            body.Append("{\"create\":{\"_id\":\"").Append(e.Id).Append("\"}}\n").Append(e.Json).Append('\n');
        }

        StringResponse response;
        try
        {
            _transport ??= ElasticsearchTransport.Create(options.Value);
            response = await _transport.RequestAsync<StringResponse>(
                new EndpointPath(Elastic.Transport.HttpMethod.POST, $"/{shipping.DataStream}/_bulk"),
                PostData.String(body.ToString()),
                null,
                new RequestConfiguration { ContentType = "application/x-ndjson" },
                cancellationToken);
        }
        catch (Exception ex) when (ex is TransportException or HttpRequestException or OperationCanceledException)
        {
            Failed("unreachable");
            return null;
        }

        var status = response.ApiCallDetails.HttpStatusCode;
        if (status != 200)
        {
            Failed(status is null ? "unreachable" : status.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return null;
        }

        var retry = new List<BufferedEvent>();
        var rejected = new List<(BufferedEvent, string)>();
        try
        {
            using var json = JsonDocument.Parse(response.Body);
            var items = json.RootElement.GetProperty("items");
            if (items.GetArrayLength() != batch.Length)
            {
                Failed("malformed_response");
                return null;
            }

            var i = 0;
            foreach (var item in items.EnumerateArray())
            {
                var result = item.EnumerateObject().First().Value;
                var itemStatus = result.GetProperty("status").GetInt32();
                if (itemStatus is >= 200 and < 300 or 409)
                {
                    RemoteMetrics.LogEventShipped();
                }
                else if (itemStatus is 429 or >= 500)
                {
                    retry.Add(batch[i]);
                }
                else
                {
                    var type = result.TryGetProperty("error", out var error) && error.TryGetProperty("type", out var t) ? t.GetString() ?? "unknown" : "unknown";
                    rejected.Add((batch[i], type));
                }

                i++;
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            Failed("malformed_response");
            return null;
        }

        Interlocked.Exchange(ref _lastSuccessTicks, time.GetUtcNow().UtcTicks);
        if (Volatile.Read(ref _failing))
        {
            Volatile.Write(ref _failing, false);
            ShippingRecovered(log);
        }

        if (retry.Count > 0)
        {
            PartialRetry(log, retry.Count, batch.Length);
        }

        return (retry, rejected);
    }

    private void Failed(string reason)
    {
        RemoteMetrics.LogShipFailed(reason);
        if (!Volatile.Read(ref _failing))
        {
            Volatile.Write(ref _failing, true);
            ShippingFailing(log, reason);
        }
    }

    private void DeadLetter(List<(BufferedEvent Event, string ErrorType)> rejected)
    {
        var path = Path.Combine(shipping.Buffer!.DirectoryPath, RejectedFile);
        File.AppendAllLines(path, rejected.Select(r => r.Event.Id + " " + r.Event.Json));
        foreach (var group in rejected.GroupBy(r => r.ErrorType))
        {
            RemoteMetrics.LogEventRejected(group.Count());
            EventsRejected(log, group.Count(), group.Key);
        }
    }

    /// <summary>Warns once when the buffer passes 80 %, and whenever events were refused at the cap.</summary>
    internal void WatchFill()
    {
        var buffer = shipping.Buffer!;
        var ratio = (double)buffer.Bytes / buffer.MaxBytes;
        if (ratio >= FillWarningRatio && !_fillWarned)
        {
            _fillWarned = true;
            BufferFilling(log, buffer.Bytes, buffer.MaxBytes);
        }
        else if (ratio < FillWarningRatio / 2)
        {
            _fillWarned = false;
        }

        var refused = buffer.Refused;
        if (refused > _refusedReported)
        {
            BufferFull(log, refused - _refusedReported, buffer.MaxBytes);
            _refusedReported = refused;
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(6001, LogLevel.Information, "Shipping logs to Elasticsearch data stream {DataStream}")]
    private static partial void ShippingStarted(ILogger logger, string dataStream);

    [LoggerMessage(6002, LogLevel.Warning, "Elasticsearch is not taking logs ({Reason}); buffering on disk and retrying")]
    private static partial void ShippingFailing(ILogger logger, string reason);

    [LoggerMessage(6003, LogLevel.Information, "Elasticsearch is taking logs again")]
    private static partial void ShippingRecovered(ILogger logger);

    [LoggerMessage(6004, LogLevel.Warning, "{Count} of {BatchSize} log events were refused for now (429/5xx); retrying only those")]
    private static partial void PartialRetry(ILogger logger, int count, int batchSize);

    [LoggerMessage(6005, LogLevel.Error, "Elasticsearch rejected {Count} log events ({ErrorType}); kept in rejected.ndjson beside the buffer")]
    private static partial void EventsRejected(ILogger logger, int count, string errorType);

    [LoggerMessage(6008, LogLevel.Error, "The log buffer could not be read or rewritten ({ExceptionType}); retrying")]
    private static partial void BufferUnusable(ILogger logger, string exceptionType);

    [LoggerMessage(6006, LogLevel.Warning, "The log buffer is filling: {Bytes} of {MaxBytes} bytes used")]
    private static partial void BufferFilling(ILogger logger, long bytes, long maxBytes);

    [LoggerMessage(6007, LogLevel.Error, "The log buffer is full ({MaxBytes} bytes): {Count} events were not buffered for Elasticsearch (they are still in the console and file logs)")]
    private static partial void BufferFull(ILogger logger, long count, long maxBytes);
}
