using System.Diagnostics;
using Estimo.Remote.Monitoring;

namespace Estimo.Remote.Tests;

public sealed class B3PropagatorTests
{
    private static readonly B3Propagator Propagator = new(DistributedContextPropagator.CreateDefaultPropagator());

    [Fact]
    public void Extract_MultiHeaderB3_BecomesATraceparentChildOfForgesSpan()
    {
        var parent = Extract(new() { ["x-b3-traceid"] = "463AC35C9F6413AD48485A3953BB6124", ["x-b3-spanid"] = "a2fb4a1d1a96d312", ["x-b3-sampled"] = "1" });

        Assert.Equal("00-463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312-01", parent);
    }

    [Fact]
    public void Extract_A64BitTraceIdAndTheSingleHeader_ArePaddedTo128Bits()
    {
        var parent = Extract(new() { ["b3"] = "48485a3953bb6124-a2fb4a1d1a96d312-0" });

        Assert.Equal("00-000000000000000048485a3953bb6124-a2fb4a1d1a96d312-00", parent);
    }

    [Theory]
    [InlineData("not-hex-not-hex!", "a2fb4a1d1a96d312")]
    [InlineData("00000000000000000000000000000000", "a2fb4a1d1a96d312")]
    [InlineData("463ac35c9f6413ad48485a3953bb6124", "short")]
    public void Extract_MalformedB3_FallsBackToTraceparent(string traceId, string spanId)
    {
        var parent = Extract(new()
        {
            ["x-b3-traceid"] = traceId,
            ["x-b3-spanid"] = spanId,
            ["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        });

        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", parent);
    }

    [Fact]
    public void Inject_WritesB3AndTraceparent()
    {
        using var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
        var headers = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

        Propagator.Inject(activity, headers, static (carrier, name, value) => ((Dictionary<string, string?>)carrier!)[name] = value);

        Assert.Equal(activity.TraceId.ToHexString(), headers["x-b3-traceid"]);
        Assert.Equal(activity.SpanId.ToHexString(), headers["x-b3-spanid"]);
        Assert.True(headers.ContainsKey("traceparent"));
    }

    private static string? Extract(Dictionary<string, string> headers)
    {
        Propagator.ExtractTraceIdAndState(
            headers,
            static (carrier, name, out value, out values) =>
            {
                values = null;
                value = ((Dictionary<string, string>)carrier!).TryGetValue(name, out var v) ? v : null;
            },
            out var traceId,
            out _);
        return traceId;
    }
}
