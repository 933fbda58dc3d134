using System.Diagnostics.Metrics;
using Estimo.Forge.Authentication;

namespace Estimo.Remote;

/// <summary>The remote's own instruments (meter <c>Estimo.Remote</c>). Labels never carry tenant data.</summary>
internal static class RemoteMetrics
{
    public const string MeterName = "Estimo.Remote";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> FitRejections = Meter.CreateCounter<long>(
        "estimo.fit.rejections", unit: "{token}", description: "Forge invocation tokens rejected, by failed rule.");

    public static void FitRejected(FitFailure failure) =>
        FitRejections.Add(1, new KeyValuePair<string, object?>("reason", failure.ToString()));
}
