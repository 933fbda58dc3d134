using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Estimo.Core.Privacy;
using Microsoft.Extensions.Logging;

namespace Estimo.Forge.Privacy;

/// <summary>
/// Atlassian's personal data reporting API, called by a Forge remote with the installation's
/// app system token: <c>POST https://api.atlassian.com/app/report-accounts/</c> with
/// <c>{"accounts":[{"accountId","updatedAt"}]}</c> (1 to 90 accounts) answers 204 when no
/// account needs action, or 200 <c>{"accounts":[{"accountId","status":"closed"|"updated"}]}</c>.
/// See Atlassian's "User privacy guide for app developers" and the Forge Privacy API
/// (<c>privacy.reportPersonalData</c>), which calls the same endpoint in batches of 90.
/// </summary>
/// <remarks>
/// The endpoint lives on the host of the installation's <c>app.apiBaseUrl</c>
/// (<c>https://api.atlassian.com/ex/jira/&lt;cloudId&gt;</c> → <c>https://api.atlassian.com/app/report-accounts/</c>),
/// so the local simulator serves it too. A 429 waits its <c>Retry-After</c> (capped) and a 5xx
/// or network failure backs off exponentially, each at most <see cref="MaxAttempts"/> times.
/// Tokens and account ids never reach a log.
/// </remarks>
public sealed partial class PersonalDataReportingClient : IPersonalDataReportingApi
{
    /// <summary>The API takes at most this many accounts per request.</summary>
    public const int MaxBatch = IPersonalDataReportingApi.MaxBatch;

    public const int MaxAttempts = 4;

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger<PersonalDataReportingClient> _log;

    public PersonalDataReportingClient(HttpClient http, TimeProvider time, ILogger<PersonalDataReportingClient> log)
    {
        _http = http;
        _time = time;
        _log = log;
    }

    /// <summary>The reporting endpoint for an installation whose API base URL is <paramref name="apiBaseUrl"/>.</summary>
    public static Uri EndpointFor(Uri apiBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(apiBaseUrl);
        return new Uri(new Uri(apiBaseUrl.GetLeftPart(UriPartial.Authority)), "/app/report-accounts/");
    }

    /// <summary>Reports one batch (1 to <see cref="MaxBatch"/> accounts) with the installation's system token.</summary>
    public async Task<ReportResult> ReportAsync(Uri apiBaseUrl, string systemToken, IReadOnlyCollection<ReportedAccount> accounts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(apiBaseUrl);
        ArgumentException.ThrowIfNullOrEmpty(systemToken);
        ArgumentNullException.ThrowIfNull(accounts);
        if (accounts.Count is 0 or > MaxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(accounts), accounts.Count, $"A report carries 1 to {MaxBatch} accounts.");
        }

        if (!(apiBaseUrl.IsAbsoluteUri && string.IsNullOrEmpty(apiBaseUrl.UserInfo)
            && (apiBaseUrl.Scheme == Uri.UriSchemeHttps || (apiBaseUrl.Scheme == Uri.UriSchemeHttp && apiBaseUrl.IsLoopback))))
        {
            UnsafeBaseUrl(_log);
            return new([], ReportFailure.Rejected);
        }

        var body = new JsonObject
        {
            ["accounts"] = new JsonArray([.. accounts.Select(a => (JsonNode)new JsonObject
            {
                ["accountId"] = a.AccountId,
                ["updatedAt"] = a.UpdatedAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            })]),
        };
        var endpoint = EndpointFor(apiBaseUrl);
        var backoff = FirstBackoff;
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = JsonContent.Create(body, options: Json) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", systemToken);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                Unreachable(_log, attempt);
                if (attempt >= MaxAttempts)
                {
                    return new([], ReportFailure.Unavailable);
                }

                await Task.Delay(backoff, _time, cancellationToken);
                backoff *= 2;
                continue;
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                Answered(_log, accounts.Count, status);
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    return new([], ReportFailure.None);
                }

                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                {
                    return new([], ReportFailure.TokenRefused);
                }

                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    var wait = RetryDelay(response, backoff);
                    if (attempt >= MaxAttempts || wait > MaxRetryDelay)
                    {
                        return new([], ReportFailure.RateLimited, wait);
                    }

                    await Task.Delay(wait, _time, cancellationToken);
                    backoff *= 2;
                    continue;
                }

                if (status >= 500)
                {
                    if (attempt >= MaxAttempts)
                    {
                        return new([], ReportFailure.Unavailable);
                    }

                    await Task.Delay(backoff, _time, cancellationToken);
                    backoff *= 2;
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    return new([], ReportFailure.Rejected);
                }

                return Parse(await response.Content.ReadFromJsonAsync<JsonNode>(Json, cancellationToken));
            }
        }
    }

    private ReportResult Parse(JsonNode? node)
    {
        var result = new List<AccountStatus>();
        foreach (var item in node?["accounts"] as JsonArray ?? [])
        {
            var accountId = item?["accountId"] is JsonValue id && id.TryGetValue<string>(out var text) ? text : null;
            var status = item?["status"] is JsonValue s && s.TryGetValue<string>(out var statusText) ? statusText : null;
            if (string.IsNullOrEmpty(accountId))
            {
                continue;
            }

            switch (status)
            {
                case "closed":
                    result.Add(new(accountId, AccountPrivacyStatus.Closed));
                    break;
                case "updated":
                    result.Add(new(accountId, AccountPrivacyStatus.Updated));
                    break;
                default:
                    UnknownStatus(_log);
                    break;
            }
        }

        return new(result, ReportFailure.None);
    }

    private TimeSpan RetryDelay(HttpResponseMessage response, TimeSpan fallback)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return fallback;
    }

    [LoggerMessage(4101, LogLevel.Debug, "Personal data report of {Count} account(s) answered {StatusCode}")]
    private static partial void Answered(ILogger logger, int count, int statusCode);

    [LoggerMessage(4102, LogLevel.Warning, "The personal data reporting API could not be reached (attempt {Attempt})")]
    private static partial void Unreachable(ILogger logger, int attempt);

    [LoggerMessage(4103, LogLevel.Error, "Refused to report personal data to an API base URL that is neither https nor loopback")]
    private static partial void UnsafeBaseUrl(ILogger logger);

    [LoggerMessage(4104, LogLevel.Warning, "The personal data reporting API answered an account status this version does not know; ignored")]
    private static partial void UnknownStatus(ILogger logger);
}
