using System.Diagnostics;
using Estimo.Remote.Authentication;
using Microsoft.AspNetCore.Routing;
using Serilog.Context;

namespace Estimo.Remote.Logging;

/// <summary>
/// One log event per request, with the route template (never the raw path or query), the
/// status, the duration, the installation when known, and an outcome. Headers and bodies are
/// never logged.
/// </summary>
internal sealed partial class RequestLoggingMiddleware
{
    private readonly RequestDelegate _next;
    private readonly ILogger<RequestLoggingMiddleware> _log;

    public RequestLoggingMiddleware(RequestDelegate next, ILogger<RequestLoggingMiddleware> log)
    {
        _next = next;
        _log = log;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        using var requestId = LogContext.PushProperty("RequestId", context.TraceIdentifier);
        try
        {
            await _next(context);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var status = context.Response.StatusCode;
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(unmatched)";
            var installation = context.Features.Get<IForgeInvocationFeature>()?.Invocation.InstallationId ?? "-";
            var outcome = status < 400 ? "success" : "failure";
            using (LogContext.PushProperty("Outcome", outcome))
            using (LogContext.PushProperty("InstallationId", installation))
            {
                if (status >= 500)
                {
                    RequestFailed(_log, context.Request.Method, route, status, elapsed);
                }
                else
                {
                    RequestFinished(_log, context.Request.Method, route, status, elapsed);
                }
            }
        }
    }

    [LoggerMessage(1001, LogLevel.Information, "HTTP {RequestMethod} {Route} responded {StatusCode} in {ElapsedMs:0.0} ms")]
    private static partial void RequestFinished(ILogger logger, string requestMethod, string route, int statusCode, double elapsedMs);

    [LoggerMessage(1002, LogLevel.Error, "HTTP {RequestMethod} {Route} responded {StatusCode} in {ElapsedMs:0.0} ms")]
    private static partial void RequestFailed(ILogger logger, string requestMethod, string route, int statusCode, double elapsedMs);
}
