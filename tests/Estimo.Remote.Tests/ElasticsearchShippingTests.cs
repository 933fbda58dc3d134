using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Estimo.Remote.Logging;
using Estimo.Remote.Logging.Shipping;
using Estimo.Remote.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Core;

namespace Estimo.Remote.Tests;

/// <summary>
/// Contract tests of log shipping against a local implementation of the documented
/// <c>_bulk</c> API (<see cref="ElasticsearchStub"/>): ECS shape, no loss across outages and
/// restarts, only failed items retried, oversized events truncated and counted.
/// </summary>
public sealed class ElasticsearchShippingTests : IAsyncLifetime
{
    private readonly string _bufferDirectory = Path.Combine(Path.GetTempPath(), "estimo-shipping-tests", Guid.NewGuid().ToString("N"));
    private ElasticsearchStub _elastic = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _elastic = await ElasticsearchStub.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _elastic.DisposeAsync();
        try
        {
            Directory.Delete(_bufferDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    [Fact]
    public async Task Events_ArriveInEcsShape_InTheServiceAndEnvironmentDataStream()
    {
        using var pipeline = Pipeline.Create(_bufferDirectory, _elastic.Url);
        pipeline.Log.ForContext("SourceContext", "Estimo.Remote.Sessions.SessionService")
            .Information("Session {SessionId} created with {IssueCount} issues", "s-1", 3);
        pipeline.Log.Error(new InvalidOperationException("boom"), "Unhandled {ExceptionType} while serving a request", "InvalidOperationException");

        Assert.True(await pipeline.Shipper.ShipOnceAsync(Ct), string.Join("; ", pipeline.Warnings.Entries.Select(e => e.Message)));

        var request = Assert.Single(_elastic.Requests);
        Assert.Equal("logs-estimo.remote-test", request.Target);
        Assert.Equal("application/x-ndjson", request.ContentType);
        Assert.Equal(2, _elastic.Documents.Count);
        foreach (var doc in _elastic.Documents.Values)
        {
            Assert.True(DateTimeOffset.TryParse(doc["@timestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out _));
            Assert.Equal(EcsJsonFormatter.EcsVersion, doc["ecs.version"]!.GetValue<string>());
            Assert.Equal("estimo-remote", doc["service"]!["name"]!.GetValue<string>());
            Assert.Equal("test", doc["service"]!["environment"]!.GetValue<string>());
            Assert.False(string.IsNullOrEmpty(doc["message"]!.GetValue<string>()));
        }

        var info = _elastic.Documents.Values.Single(d => d["log.level"]!.GetValue<string>() == "info");
        Assert.Equal("Session s-1 created with 3 issues", info["message"]!.GetValue<string>());
        Assert.Equal("Estimo.Remote.Sessions.SessionService", info["log"]!["logger"]!.GetValue<string>());
        Assert.Equal("s-1", info["estimo"]!["session_id"]!.GetValue<string>());
        var error = _elastic.Documents.Values.Single(d => d["log.level"]!.GetValue<string>() == "error");
        Assert.Equal("System.InvalidOperationException", error["error"]!["type"]!.GetValue<string>());
        Assert.Equal(0, pipeline.Shipping.Buffer!.Bytes);
    }

    [Fact]
    public async Task NothingIsLost_While503Or429_ThenEverythingArrivesOnce()
    {
        using var pipeline = Pipeline.Create(_bufferDirectory, _elastic.Url);
        _elastic.FailWholeWith = 503;
        Emit(pipeline, 0, 5);
        Assert.False(await pipeline.Shipper.ShipOnceAsync(Ct));
        _elastic.FailWholeWith = 429;
        Emit(pipeline, 5, 5);
        Assert.False(await pipeline.Shipper.ShipOnceAsync(Ct));
        Assert.Empty(_elastic.Documents);
        Assert.True(pipeline.Shipping.Buffer!.Bytes > 0);

        _elastic.FailWholeWith = null;
        for (var attempt = 0; attempt < 5 && (!await pipeline.Shipper.ShipOnceAsync(Ct) || pipeline.Shipping.Buffer.Bytes > 0); attempt++)
        {
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"event {i}").Order(), Messages().Order());
        Assert.Contains(pipeline.Warnings.Entries, e => e.Message.Contains("not taking logs (503)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NothingIsLost_AcrossAnUnreachableEndpointAndAProcessRestart()
    {
        // Elasticsearch is not listening at all while the first "process" runs.
        var port = FreePort();
        var url = new Uri($"http://127.0.0.1:{port}");
        await using (var first = Pipeline.Create(_bufferDirectory, url, fast: true))
        {
            await first.Shipper.StartAsync(Ct);
            Emit(first, 0, 20);
            await Task.Delay(400, Ct);
            await first.Shipper.StopAsync(Ct);
            Assert.True(first.Shipping.Buffer!.Bytes > 0);
        }

        // It comes back on the same address; a new process starts on the same buffer directory.
        await using var elastic = await ElasticsearchStub.StartAsync(port);
        await using var second = Pipeline.Create(_bufferDirectory, url, fast: true);
        Emit(second, 20, 5);
        await second.Shipper.StartAsync(Ct);
        await elastic.WaitForDocumentsAsync(25);
        await second.Shipper.StopAsync(Ct);

        var messages = elastic.Documents.Values.Select(d => d["message"]!.GetValue<string>()).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"event {i}").Order(), messages);
    }

    [Fact]
    public async Task PartialBulkFailure_RetriesOnlyTheFailedItems()
    {
        using var pipeline = Pipeline.Create(_bufferDirectory, _elastic.Url);
        var failOnce = new HashSet<string>(StringComparer.Ordinal) { "event 1", "event 3" };
        _elastic.ItemStatus = (_, source) =>
        {
            var message = source["message"]!.GetValue<string>();
            return failOnce.Remove(message) ? (message == "event 1" ? 429 : 503) : 201;
        };
        Emit(pipeline, 0, 5);

        Assert.False(await pipeline.Shipper.ShipOnceAsync(Ct));
        Assert.True(await pipeline.Shipper.ShipOnceAsync(Ct));

        var requests = _elastic.Requests.ToList();
        Assert.Equal(2, requests.Count);
        Assert.Equal(5, requests[0].Ids.Count);
        Assert.Equal(2, requests[1].Ids.Count);
        Assert.Equal(["event 1", "event 3"], requests[1].Ids.Select(id => _elastic.Documents[id]["message"]!.GetValue<string>()).Order());
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"event {i}").Order(), Messages().Order());
        Assert.Equal(0, pipeline.Shipping.Buffer!.Bytes);
    }

    [Fact]
    public async Task AnItemElasticsearchWillNeverTake_IsSetAsideAndCounted_NotRetriedForever()
    {
        using var pipeline = Pipeline.Create(_bufferDirectory, _elastic.Url);
        _elastic.ItemStatus = (_, source) => source["message"]!.GetValue<string>() == "event 2" ? 400 : 201;
        Emit(pipeline, 0, 4);

        Assert.True(await pipeline.Shipper.ShipOnceAsync(Ct));
        Assert.True(await pipeline.Shipper.ShipOnceAsync(Ct));

        Assert.Single(_elastic.Requests);
        Assert.Equal(3, _elastic.Documents.Count);
        var rejected = await File.ReadAllTextAsync(Path.Combine(_bufferDirectory, "rejected.ndjson"), Ct);
        Assert.Contains("event 2", rejected, StringComparison.Ordinal);
        Assert.Contains(pipeline.Warnings.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("document_parsing_exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnOversizedEvent_IsTruncatedTaggedAndCounted_NotDropped()
    {
        using var truncated = new MeasurementCounter("estimo.logs.truncated");
        using var pipeline = Pipeline.Create(_bufferDirectory, _elastic.Url, maxEventBytes: 2048);
        pipeline.Log.Information("Big {Payload} ends here", new string('x', 20_000));

        Assert.True(await pipeline.Shipper.ShipOnceAsync(Ct));

        var doc = Assert.Single(_elastic.Documents.Values);
        Assert.True(Encoding.UTF8.GetByteCount(doc.ToJsonString()) <= 2048);
        Assert.Equal(["truncated"], doc["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.StartsWith("Big xxxx", doc["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(truncated.Total >= 1);
    }

    [Fact]
    public async Task AFullBuffer_RefusesNewEvents_CountsThemAndWarns()
    {
        using var pipeline = Pipeline.Create(_bufferDirectory, _elastic.Url, maxBufferBytes: 1024 * 1024);
        _elastic.FailWholeWith = 503;
        var padding = new string('p', 900);
        for (var i = 0; i < 1500; i++)
        {
            pipeline.Log.Information("event {Number} {Padding}", i, padding);
        }

        Assert.False(await pipeline.Shipper.ShipOnceAsync(Ct));
        pipeline.Shipper.WatchFill();

        var buffer = pipeline.Shipping.Buffer!;
        Assert.True(buffer.Bytes <= buffer.MaxBytes);
        Assert.True(buffer.Refused > 0);
        Assert.Contains(pipeline.Warnings.Entries, e => e.Message.Contains("log buffer is filling", StringComparison.Ordinal));
        Assert.Contains(pipeline.Warnings.Entries, e => e.Message.Contains("log buffer is full", StringComparison.Ordinal));
    }

    [Fact]
    public void Truncate_NeverSplitsACharacterOutsideTheBasicPlane()
    {
        var json = new JsonObject { ["message"] = string.Concat(Enumerable.Repeat("😀", 5000)), ["ecs.version"] = "8.11.0" }.ToJsonString();

        var truncated = DurableBufferSink.Truncate(json, 2048);

        var message = JsonNode.Parse(truncated)!["message"]!.GetValue<string>();
        Assert.True(Encoding.UTF8.GetByteCount(truncated) <= 2048);
        Assert.DoesNotContain('\uFFFD', message);
        Assert.EndsWith("…[truncated]", message, StringComparison.Ordinal);
    }

    private static void Emit(Pipeline pipeline, int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            pipeline.Log.Information("event {Number}", i);
        }
    }

    private IEnumerable<string> Messages() => _elastic.Documents.Values.Select(d => d["message"]!.GetValue<string>());

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The shipping half of the remote's log pipeline, as the remote composes it.</summary>
    private sealed class Pipeline : IDisposable, IAsyncDisposable
    {
        private Pipeline(LogShipping shipping, ElasticsearchLogShipper shipper, Logger log, CapturingLogger<ElasticsearchLogShipper> warnings)
        {
            Shipping = shipping;
            Shipper = shipper;
            Log = log;
            Warnings = warnings;
        }

        public LogShipping Shipping { get; }

        public ElasticsearchLogShipper Shipper { get; }

        public Logger Log { get; }

        public CapturingLogger<ElasticsearchLogShipper> Warnings { get; }

        public static Pipeline Create(string directory, Uri url, bool fast = false, int maxEventBytes = 32 * 1024, long maxBufferBytes = 64 * 1024 * 1024)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Logs:Elasticsearch:Url"] = url.ToString(),
                ["Logs:Elasticsearch:ApiKey"] = ElasticsearchStub.ApiKey,
                ["Logs:Elasticsearch:BufferDirectory"] = directory,
                ["Logs:Elasticsearch:MaxEventBytes"] = maxEventBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Logs:Elasticsearch:MaxBufferBytes"] = maxBufferBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Logs:Elasticsearch:FlushInterval"] = fast ? "00:00:00.100" : "00:00:02",
                ["Logs:Elasticsearch:MaxRetryDelay"] = fast ? "00:00:00.200" : "00:01:00",
                ["Logs:Elasticsearch:RequestTimeout"] = "00:00:05",
            }).Build();
            var shipping = new LogShipping(configuration, new HostingEnvironment { EnvironmentName = "Test" });
            var options = configuration.GetSection(ElasticsearchOptions.SectionName).Get<ElasticsearchOptions>()!;
            var warnings = new CapturingLogger<ElasticsearchLogShipper>();
            var shipper = new ElasticsearchLogShipper(shipping, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, warnings);
            var log = new LoggerConfiguration()
                .WriteTo.Sink(new DurableBufferSink(shipping.Buffer!, new EcsJsonFormatter("estimo-remote", "test"), options.MaxEventBytes))
                .CreateLogger();
            return new Pipeline(shipping, shipper, log, warnings);
        }

        public void Dispose()
        {
            Log.Dispose();
            Shipper.Dispose();
            Shipping.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Sums what one of our instruments records while the test runs.</summary>
    private sealed class MeasurementCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _total;

        public MeasurementCounter(string instrument)
        {
            _listener.InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == RemoteMetrics.MeterName && i.Name == instrument)
                {
                    l.EnableMeasurementEvents(i);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _total, value));
            _listener.Start();
        }

        public long Total => Interlocked.Read(ref _total);

        public void Dispose() => _listener.Dispose();
    }
}
