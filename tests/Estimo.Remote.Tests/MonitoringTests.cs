using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Estimo.Core.Diagnostics;
using Estimo.Remote.Tests.Support;

namespace Estimo.Remote.Tests;

/// <summary>Metrics and operator detail on the management listener; B3 trace context continued.</summary>
public sealed class MonitoringTests : IAsyncLifetime
{
    private readonly FitMinter _minter = new();
    private JwksServer _jwks = null!;
    private RemoteHost _host = null!;
    private HttpClient _client = null!;
    private HttpClient _management = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _jwks = await JwksServer.StartAsync(_minter.JwksJson());
        _host = await RemoteHost.StartAsync(_jwks.JwksUrl);
        _client = _host.CreateClient();
        _management = _host.CreateManagementClient();
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        _management.Dispose();
        await _host.DisposeAsync();
        await _jwks.DisposeAsync();
        _minter.Dispose();
    }

    [Fact]
    public async Task Metrics_AreOnTheManagementListener_WithRoutesStatusesAndOurInstruments()
    {
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/me"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
            using var rejected = await _client.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
        }

        using (var ok = await _client.GetAsync("/health/live", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        OperationalMetrics.KeyProviderCalled("local", "unwrap", succeeded: true);
        OperationalMetrics.RestoreDrillFinished(succeeded: false);
        OperationalMetrics.BackupCompleted(DateTimeOffset.UtcNow.AddHours(-1));

        var text = await ScrapeUntilAsync("http_server_request_duration_seconds_bucket");

        Assert.Contains("http_route=\"/health/live\"", text, StringComparison.Ordinal);
        Assert.Contains("http_response_status_code=\"200\"", text, StringComparison.Ordinal);
        Assert.Contains("estimo_fit_rejections_total{", text, StringComparison.Ordinal);
        Assert.Contains("reason=\"Malformed\"", text, StringComparison.Ordinal);
        Assert.Contains("estimo_sessions_active", text, StringComparison.Ordinal);
        Assert.Contains("estimo_sessions_participants", text, StringComparison.Ordinal);
        Assert.Contains("estimo_keys_provider_calls_total{", text, StringComparison.Ordinal);
        Assert.Contains("estimo_restore_drill_runs_total{", text, StringComparison.Ordinal);
        Assert.Contains("estimo_backup_age_seconds", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManagementEndpoints_AreNotServedOnThePublicListener_EvenWithAForgedHost()
    {
        foreach (var path in new[] { "/metrics", "/health/detail" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = $"127.0.0.1:{_host.ManagementAddress!.Port}";
            using var response = await _client.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
    }

    [Fact]
    public async Task TheManagementListener_ServesNothingButManagementEndpoints()
    {
        using var response = await _management.GetAsync("/health/live", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(_host.ManagementAddress!.Host)));
    }

    [Fact]
    public async Task HealthDetail_NamesEachDependency_ForOperatorsOnly()
    {
        using var detail = await _management.GetAsync("/health/detail", Ct);
        using var ready = await _client.GetAsync("/health/ready", Ct);

        Assert.Equal(HttpStatusCode.OK, detail.StatusCode);
        var checks = JsonDocument.Parse(await detail.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("checks");
        Assert.True(checks.TryGetProperty("database", out _));
        Assert.True(checks.TryGetProperty("forge-signing-keys", out _));
        Assert.True(checks.TryGetProperty("log-shipping", out _));
        var publicBody = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Single(publicBody.EnumerateObject());
    }

    [Fact]
    public async Task B3TraceHeadersFromForge_AreContinued_InTheRequestLog()
    {
        const string traceId = "463ac35c9f6413ad48485a3953bb6124";
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.Add("x-b3-traceid", traceId);
        request.Headers.Add("x-b3-spanid", "a2fb4a1d1a96d312");
        request.Headers.Add("x-b3-sampled", "1");

        using var response = await _client.SendAsync(request, Ct);

        string? line = null;
        for (var i = 0; i < 200 && line is null; i++)
        {
            line = _host.Log.Lines.FirstOrDefault(l => l.Contains("/health/live", StringComparison.Ordinal) && l.Contains(traceId, StringComparison.Ordinal));
            await Task.Delay(100, Ct);
        }

        Assert.True(line is not null, string.Join('\n', _host.Log.Lines.Where(l => l.Contains("/health/live", StringComparison.Ordinal))));
        Assert.Equal(traceId, JsonDocument.Parse(line).RootElement.GetProperty("trace").GetProperty("id").GetString());
    }

    private async Task<string> ScrapeUntilAsync(string expected)
    {
        var text = string.Empty;
        for (var i = 0; i < 40 && !text.Contains(expected, StringComparison.Ordinal); i++)
        {
            using var response = await _management.GetAsync("/metrics", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            text = await response.Content.ReadAsStringAsync(Ct);
            if (!text.Contains(expected, StringComparison.Ordinal))
            {
                await Task.Delay(250, Ct);
            }
        }

        return text;
    }
}
