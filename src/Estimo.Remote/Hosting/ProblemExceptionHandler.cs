using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Estimo.Remote.Hosting;

/// <summary>
/// Turns unhandled exceptions into RFC 7807 problems without leaking details: a bad request
/// keeps its status (400/413), an unreachable database is 503 (retry later), anything else is
/// a plain 500. The exception is logged (type and stack, via the formatter's scrubbing) but
/// never the request body.
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = Classify(exception);
        if (status >= 500)
        {
            UnhandledException(log, exception.GetType().Name, exception);
        }

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = "5";
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }

    internal static (int Status, string Title, string Detail) Classify(Exception exception)
    {
        if (exception is BadHttpRequestException bad)
        {
            return bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? (bad.StatusCode, "Payload too large", "The request body is larger than this endpoint accepts.")
                : (bad.StatusCode, "Bad request", "The request could not be read.");
        }

        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DbException or TimeoutException)
            {
                return (StatusCodes.Status503ServiceUnavailable, "Service unavailable", "A dependency is unavailable. Try again shortly.");
            }
        }

        return (StatusCodes.Status500InternalServerError, "Internal server error", "The server could not complete the request.");
    }

    [LoggerMessage(1101, LogLevel.Error, "Unhandled {ExceptionType} while serving a request")]
    private static partial void UnhandledException(ILogger logger, string exceptionType, Exception exception);
}
