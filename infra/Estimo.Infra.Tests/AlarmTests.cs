using System.Text.Json.Nodes;
using Estimo.Infra.Stacks;

namespace Estimo.Infra.Tests;

/// <summary>Practice: "monitored by us" — an alarm for each signal, each notifying the alarm topic.</summary>
public sealed class AlarmTests(Synthesis synthesis)
{
    private List<JsonObject> Alarms(string environment) =>
        synthesis.Environments[environment].Resources("AWS::CloudWatch::Alarm").Select(a => a.Properties).ToList();

    [Theory]
    [InlineData("FitRejections")]
    [InlineData("BackupAgeSeconds")]
    [InlineData("RestoreDrillFailures")]
    [InlineData("LogBufferBytes")]
    public void MonitoredByUs_AnAlarmWatchesTheApplicationSignal(string metric)
    {
        var alarm = Assert.Single(Alarms("production"), a => (string?)a["MetricName"] == metric);

        Assert.Equal(ObservabilityStack.MetricNamespace, (string?)alarm["Namespace"]);
        Assert.Contains("production", alarm["Dimensions"].Text(), StringComparison.Ordinal);
    }

    [Fact]
    public void MonitoredByUs_BackupAgeAlarmsAfter26HoursAndWhenTheSignalStops()
    {
        var alarm = Assert.Single(Alarms("production"), a => (string?)a["MetricName"] == "BackupAgeSeconds");

        Assert.Equal(26 * 3600, alarm["Threshold"].Number());
        Assert.Equal("breaching", (string?)alarm["TreatMissingData"]);
    }

    [Fact]
    public void MonitoredByUs_LoadBalancer5xxRateIsAlarmed()
    {
        var alarm = Assert.Single(Alarms("production"), a => a["Metrics"].Text().Contains("HTTPCode_ELB_5XX_Count", StringComparison.Ordinal));

        Assert.Contains("HTTPCode_Target_5XX_Count", alarm["Metrics"].Text(), StringComparison.Ordinal);
        Assert.Contains("RequestCount", alarm["Metrics"].Text(), StringComparison.Ordinal);
    }

    [Fact]
    public void MonitoredByUs_TargetLatencyP95IsAlarmed()
    {
        var alarm = Assert.Single(Alarms("production"), a => (string?)a["MetricName"] == "TargetResponseTime");

        Assert.Equal("p95", (string?)alarm["ExtendedStatistic"]);
    }

    [Theory]
    [InlineData("staging")]
    [InlineData("production")]
    public void MonitoredByUs_EveryAlarmNotifiesTheTopicWhenItFiresAndClears(string environment)
    {
        var alarms = Alarms(environment);

        Assert.True(alarms.Count >= 6);
        Assert.All(alarms, a =>
        {
            Assert.Contains("AlarmTopic", a["AlarmActions"].Text(), StringComparison.Ordinal);
            Assert.Contains("AlarmTopic", a["OKActions"].Text(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public void MonitoredByUs_ElasticCloudCredentialsAreAGeneratedSecretWithNoValueInTheTemplate()
    {
        var (_, secret) = Assert.Single(synthesis.Environments["production"].Observability.Resources("AWS::SecretsManager::Secret"));

        Assert.Equal("estimo/production/elastic-cloud", (string?)secret["Name"]);
        Assert.NotNull(secret["GenerateSecretString"]);
        Assert.Null(secret["SecretString"]);
    }
}
