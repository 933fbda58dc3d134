using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Estimo.Forge.Jira;

/// <summary>Why a Jira call did not give an answer.</summary>
public enum JiraFailure
{
    None,

    /// <summary>Jira refused the token (expired, uninstalled, revoked).</summary>
    Unauthorized,

    /// <summary>Jira kept answering 429 after the permitted retries.</summary>
    RateLimited,

    /// <summary>Jira could not be reached or answered 5xx.</summary>
    Unavailable,

    /// <summary>Jira said the request was wrong (for example an unknown project).</summary>
    Rejected,
}

/// <summary>A Jira answer or the reason there is none.</summary>
public sealed record JiraResult<T>(T? Value, JiraFailure Failure, TimeSpan? RetryAfter = null)
{
    public bool Succeeded => Failure == JiraFailure.None;
}

/// <summary>
/// Calls Jira Cloud as the signed-in user, with the user's Forge OAuth token, so Jira's own
/// permissions decide. Only the questions the remote must not take from the browser live here:
/// may this user edit in the project, and which of these issues can they browse.
/// </summary>
/// <remarks>
/// The base URL comes from the verified FIT (<c>app.apiBaseUrl</c>); it must be https, or
/// http on a loopback address (the local simulator). A 429 is retried after its
/// <c>Retry-After</c> (capped), at most twice; tokens never reach a log.
/// </remarks>
public sealed partial class JiraUserClient
{
    private const int MaxAttempts = 3;
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger<JiraUserClient> _log;

    public JiraUserClient(HttpClient http, TimeProvider time, ILogger<JiraUserClient> log)
    {
        _http = http;
        _time = time;
        _log = log;
    }

    /// <summary>Whether the user holds <paramref name="permission"/> (e.g. EDIT_ISSUES) in the project.</summary>
    public async Task<JiraResult<bool>> HasProjectPermissionAsync(Uri apiBaseUrl, string userToken, string projectKey, string permission, CancellationToken cancellationToken)
    {
        var path = $"rest/api/3/mypermissions?projectKey={Uri.EscapeDataString(projectKey)}&permissions={Uri.EscapeDataString(permission)}";
        var result = await SendAsync(apiBaseUrl, userToken, () => new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);
        if (!result.Succeeded)
        {
            return new(false, result.Failure, result.RetryAfter);
        }

        var have = result.Value!["permissions"]?[permission]?["havePermission"]?.GetValue<bool>() ?? false;
        return new(have, JiraFailure.None);
    }

    /// <summary>Whether the user holds the global <paramref name="permission"/> (e.g. ADMINISTER: a Jira administrator).</summary>
    public async Task<JiraResult<bool>> HasGlobalPermissionAsync(Uri apiBaseUrl, string userToken, string permission, CancellationToken cancellationToken)
    {
        var path = $"rest/api/3/mypermissions?permissions={Uri.EscapeDataString(permission)}";
        var result = await SendAsync(apiBaseUrl, userToken, () => new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);
        if (!result.Succeeded)
        {
            return new(false, result.Failure, result.RetryAfter);
        }

        var have = result.Value!["permissions"]?[permission]?["havePermission"]?.GetValue<bool>() ?? false;
        return new(have, JiraFailure.None);
    }

    /// <summary>
    /// The subset of <paramref name="issueIds"/> the user can browse, asked with an enhanced JQL
    /// search (<c>id in (…)</c>) as the user: Jira leaves out what they cannot see.
    /// </summary>
    public async Task<JiraResult<IReadOnlySet<string>>> VisibleIssueIdsAsync(Uri apiBaseUrl, string userToken, IReadOnlyCollection<string> issueIds, CancellationToken cancellationToken)
    {
        var visible = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in issueIds.Where(IsNumericId).Distinct(StringComparer.Ordinal).Chunk(100))
        {
            string? pageToken = null;
            do
            {
                var body = new JsonObject
                {
                    ["jql"] = $"id in ({string.Join(',', chunk)})",
                    ["fields"] = new JsonArray("id"),
                    ["maxResults"] = 100,
                };
                if (pageToken is not null)
                {
                    body["nextPageToken"] = pageToken;
                }

                var result = await SendAsync(
                    apiBaseUrl,
                    userToken,
                    () => new HttpRequestMessage(HttpMethod.Post, "rest/api/3/search/jql") { Content = JsonContent.Create(body, options: Json) },
                    cancellationToken);
                if (!result.Succeeded)
                {
                    return new(null, result.Failure, result.RetryAfter);
                }

                foreach (var issue in result.Value!["issues"]?.AsArray() ?? [])
                {
                    if (issue?["id"]?.GetValue<string>() is { } id)
                    {
                        visible.Add(id);
                    }
                }

                pageToken = result.Value["isLast"]?.GetValue<bool>() == false ? result.Value["nextPageToken"]?.GetValue<string>() : null;
            }
            while (pageToken is not null);
        }

        return new(visible, JiraFailure.None);
    }

    private static bool IsNumericId(string id) => id.Length is > 0 and <= 20 && id.All(char.IsAsciiDigit);

    private async Task<JiraResult<JsonNode>> SendAsync(Uri apiBaseUrl, string userToken, Func<HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        if (!IsAllowedBase(apiBaseUrl))
        {
            UnsafeBaseUrl(_log);
            return new(null, JiraFailure.Rejected);
        }

        var baseUrl = apiBaseUrl.AbsoluteUri.EndsWith('/') ? apiBaseUrl : new Uri(apiBaseUrl.AbsoluteUri + "/");
        for (var attempt = 1; ; attempt++)
        {
            using var request = create();
            request.RequestUri = new Uri(baseUrl, request.RequestUri!);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", userToken);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                JiraUnreachable(_log, ex.HttpRequestError);
                return new(null, JiraFailure.Unavailable);
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                JiraUnreachable(_log, HttpRequestError.Unknown);
                return new(null, JiraFailure.Unavailable);
            }

            using (response)
            {
                JiraCalled(_log, request.Method.Method, (int)response.StatusCode);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    var wait = RetryDelay(response);
                    if (attempt >= MaxAttempts || wait > MaxRetryDelay)
                    {
                        return new(null, JiraFailure.RateLimited, wait);
                    }

                    await Task.Delay(wait, _time, cancellationToken);
                    continue;
                }

                if (response.StatusCode is HttpStatusCode.Unauthorized)
                {
                    return new(null, JiraFailure.Unauthorized);
                }

                if ((int)response.StatusCode >= 500)
                {
                    return new(null, JiraFailure.Unavailable);
                }

                if (!response.IsSuccessStatusCode)
                {
                    return new(null, JiraFailure.Rejected);
                }

                var node = await response.Content.ReadFromJsonAsync<JsonNode>(Json, cancellationToken);
                return node is null ? new(null, JiraFailure.Unavailable) : new(node, JiraFailure.None);
            }
        }
    }

    private TimeSpan RetryDelay(HttpResponseMessage response)
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

        return TimeSpan.FromSeconds(1);
    }

    internal static bool IsAllowedBase(Uri url) =>
        url.IsAbsoluteUri
        && string.IsNullOrEmpty(url.UserInfo)
        && (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback));

    [LoggerMessage(4001, LogLevel.Debug, "Jira {Method} as user answered {StatusCode}")]
    private static partial void JiraCalled(ILogger logger, string method, int statusCode);

    [LoggerMessage(4002, LogLevel.Warning, "Jira could not be reached ({Error})")]
    private static partial void JiraUnreachable(ILogger logger, HttpRequestError error);

    [LoggerMessage(4003, LogLevel.Error, "Refused to call a Jira API base URL that is neither https nor loopback")]
    private static partial void UnsafeBaseUrl(ILogger logger);
}
