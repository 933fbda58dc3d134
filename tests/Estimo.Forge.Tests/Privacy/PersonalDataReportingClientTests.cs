using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Estimo.Core.Privacy;
using Estimo.Forge.Privacy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Estimo.Forge.Tests.Privacy;

/// <summary>
/// The personal data reporting client against a loopback server speaking the documented wire
/// protocol of <c>POST /app/report-accounts/</c>: the request it sends, and how it reads 204,
/// 200, 401/403, 429 with Retry-After and 5xx.
/// </summary>
public sealed class PersonalDataReportingClientTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<Func<HttpContext, Task<IResult>>> _answers = new();
    private readonly ConcurrentQueue<(string Path, string? Authorization, JsonNode? Body)> _requests = new();
    private WebApplication _app = null!;
    private Uri _apiBaseUrl = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/app/report-accounts", async (HttpContext http) =>
        {
            _requests.Enqueue((http.Request.Path, http.Request.Headers.Authorization.ToString(), await JsonNode.ParseAsync(http.Request.Body)));
            return _answers.TryDequeue(out var answer) ? await answer(http) : Results.NoContent();
        });
        await _app.StartAsync();
        var address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        _apiBaseUrl = new Uri(address, "/ex/jira/0f7a4c6e-2b1d-4e3f-8a9b-7c6d5e4f3a2b");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Report_PostsTheAccountsWithTheSystemToken_ToTheApiHost_And204MeansNothingToDo()
    {
        var result = await Client().ReportAsync(_apiBaseUrl, "system-token-1", [new ReportedAccount("acc-1", new DateTimeOffset(2026, 11, 1, 8, 30, 0, TimeSpan.Zero))], Ct);

        Assert.True(result.Succeeded);
        Assert.Empty(result.Accounts);
        var request = Assert.Single(_requests);
        Assert.Equal("/app/report-accounts/", request.Path);
        Assert.Equal("Bearer system-token-1", request.Authorization);
        Assert.Equal("""{"accounts":[{"accountId":"acc-1","updatedAt":"2026-11-01T08:30:00.000Z"}]}""", request.Body!.ToJsonString());
    }

    [Fact]
    public async Task Report_200_ReadsClosedAndUpdated_AndIgnoresUnknownStatuses()
    {
        _answers.Enqueue(_ => Task.FromResult(Results.Json(JsonNode.Parse("""{"accounts":[{"accountId":"a","status":"closed"},{"accountId":"b","status":"updated"},{"accountId":"c","status":"weird"}]}"""))));

        var result = await Client().ReportAsync(_apiBaseUrl, "t", [new("a", DateTimeOffset.UnixEpoch), new("b", DateTimeOffset.UnixEpoch), new("c", DateTimeOffset.UnixEpoch)], Ct);

        Assert.Equal([new AccountStatus("a", AccountPrivacyStatus.Closed), new AccountStatus("b", AccountPrivacyStatus.Updated)], result.Accounts);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    public async Task Report_RefusedToken_IsTokenRefused_WithoutRetrying(int status)
    {
        _answers.Enqueue(_ => Task.FromResult(Results.StatusCode(status)));

        var result = await Client().ReportAsync(_apiBaseUrl, "t", [new("a", DateTimeOffset.UnixEpoch)], Ct);

        Assert.Equal(ReportFailure.TokenRefused, result.Failure);
        Assert.Single(_requests);
    }

    [Fact]
    public async Task Report_429_WaitsRetryAfter_ThenRetries()
    {
        _answers.Enqueue(http =>
        {
            http.Response.Headers.RetryAfter = "1";
            return Task.FromResult(Results.StatusCode(429));
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var result = await Client().ReportAsync(_apiBaseUrl, "t", [new("a", DateTimeOffset.UnixEpoch)], Ct);

        Assert.True(result.Succeeded);
        Assert.Equal(2, _requests.Count);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"retried after {clock.Elapsed}");
    }

    [Fact]
    public async Task Report_429_WithARetryAfterBeyondTheCap_GivesUpAsRateLimited()
    {
        _answers.Enqueue(http =>
        {
            http.Response.Headers.RetryAfter = "3600";
            return Task.FromResult(Results.StatusCode(429));
        });

        var result = await Client().ReportAsync(_apiBaseUrl, "t", [new("a", DateTimeOffset.UnixEpoch)], Ct);

        Assert.Equal((ReportFailure.RateLimited, TimeSpan.FromHours(1)), (result.Failure, result.RetryAfter));
        Assert.Single(_requests);
    }

    [Fact]
    public async Task Report_5xx_BacksOff_ThenSucceeds()
    {
        _answers.Enqueue(_ => Task.FromResult(Results.StatusCode(503)));

        var result = await Client().ReportAsync(_apiBaseUrl, "t", [new("a", DateTimeOffset.UnixEpoch)], Ct);

        Assert.True(result.Succeeded);
        Assert.Equal(2, _requests.Count);
    }

    [Fact]
    public async Task Report_MoreThan90Accounts_IsRefusedBeforeAnyCall()
    {
        var accounts = Enumerable.Range(0, 91).Select(i => new ReportedAccount($"a{i}", DateTimeOffset.UnixEpoch)).ToList();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Client().ReportAsync(_apiBaseUrl, "t", accounts, Ct));
        Assert.Empty(_requests);
    }

    [Fact]
    public async Task Report_ToAPlainHttpNonLoopbackBase_IsRejectedWithoutACall()
    {
        var result = await Client().ReportAsync(new Uri("http://api.example.com/ex/jira/x"), "t", [new("a", DateTimeOffset.UnixEpoch)], Ct);

        Assert.Equal(ReportFailure.Rejected, result.Failure);
        Assert.Empty(_requests);
    }

    [Fact]
    public void EndpointFor_IsOnTheApiHost_NotUnderTheSitePath()
    {
        Assert.Equal(new Uri("https://api.atlassian.com/app/report-accounts/"), PersonalDataReportingClient.EndpointFor(new Uri("https://api.atlassian.com/ex/jira/abc")));
    }

    private static PersonalDataReportingClient Client() =>
        new(new HttpClient(), TimeProvider.System, NullLogger<PersonalDataReportingClient>.Instance);
}
