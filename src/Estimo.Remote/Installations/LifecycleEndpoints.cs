using System.Text.Json;
using Estimo.Core.Installations;
using Estimo.Remote.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Estimo.Remote.Installations;

/// <summary>
/// <c>POST /forge/lifecycle</c>: the remote endpoint of the lifecycle trigger. Forge waits
/// 5 s and retries up to four times, so the work is one idempotent upsert.
/// </summary>
internal static partial class LifecycleEndpoints
{
    public const string InstalledEvent = "avi:forge:installed:app";
    public const string UpgradedEvent = "avi:forge:upgraded:app";

    /// <summary>
    /// Not delivered by Forge today (its lifecycle events are installed and upgraded; the
    /// uninstall event is the open request FRGE-1246). Accepted so that the day it arrives it
    /// starts the purge clock at once; until then the token-refusal rule finds uninstalls.
    /// </summary>
    public const string UninstalledEvent = "avi:forge:uninstalled:app";
    public const long MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapLifecycleEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/forge/lifecycle", HandleAsync)
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .WithName("ForgeLifecycle");

        // The daily scheduledTrigger: its only job is to bring a fresh app system token (recorded
        // by the middleware before this runs), so background work such as the personal-data
        // report has one even on a day nobody opens Estimo; it then starts a report of the
        // installations that are due, in the background. Forge waits 5 s: answer at once.
        routes.MapPost("/forge/scheduled", (Lifecycle.PersonalDataReportingService reporting) =>
            {
                reporting.Nudge();
                return TypedResults.Ok(new { ok = true });
            })
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .WithName("ForgeScheduled");
        return routes;
    }

    internal static async Task<Results<Ok<LifecycleResponse>, ProblemHttpResult>> HandleAsync(
        HttpContext http,
        IInstallationStore installations,
        TimeProvider time,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var log = loggers.CreateLogger("Estimo.Remote.Installations.Lifecycle");
        var invocation = http.GetForgeInvocation().Invocation;

        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload too large", detail: $"Lifecycle events are limited to {MaxBodyBytes} bytes.");
        }

        LifecycleEvent evt;
        try
        {
            evt = await LifecycleEvent.ReadAsync(http.Request.Body, cancellationToken);
        }
        catch (JsonException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: "The body is not a valid lifecycle event (JSON object expected).");
        }
        catch (LifecycleEventException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: ex.Message);
        }

        if (evt.InstallationId is { } bodyInstallation && !ForgeIds.SameId(bodyInstallation, invocation.InstallationId))
        {
            InstallationMismatch(log);
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "The event's installation does not match the token's installation.");
        }

        if (evt.EventType == UninstalledEvent)
        {
            var purger = http.RequestServices.GetRequiredService<Estimo.Storage.Lifecycle.InstallationPurger>();
            var known = await purger.MarkUninstalledAsync(invocation.InstallationId, time.GetUtcNow(), cancellationToken);
            LifecycleRecorded(log, evt.EventType, invocation.InstallationId, known ? InstallationChange.Updated : InstallationChange.Unchanged);
            return TypedResults.Ok(new LifecycleResponse(invocation.InstallationId, known ? "Uninstalled" : "Unknown"));
        }

        var cloudId = invocation.CloudId ?? evt.CloudId;
        if (string.IsNullOrEmpty(cloudId))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: "Neither the token nor the event names the site (cloud id).");
        }

        if (invocation.CloudId is { } tokenCloud && evt.CloudId is { } eventCloud && !ForgeIds.SameId(tokenCloud, eventCloud))
        {
            InstallationMismatch(log);
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "The event's site does not match the token's site.");
        }

        if (invocation.ApiBaseUrl is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: "The token does not carry the API base URL.");
        }

        var registration = new InstallationRegistration(
            invocation.InstallationId,
            cloudId,
            invocation.SiteUrl,
            invocation.ApiBaseUrl,
            evt.AppVersion ?? "unknown",
            invocation.EnvironmentType ?? "unknown",
            time.GetUtcNow());

        var change = evt.EventType switch
        {
            InstalledEvent => await installations.RecordInstalledAsync(registration, cancellationToken),
            UpgradedEvent => await installations.RecordUpgradedAsync(registration, cancellationToken),
            _ => (InstallationChange?)null,
        };
        if (change is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: $"Unsupported event type; expected {InstalledEvent}, {UpgradedEvent} or {UninstalledEvent}.");
        }

        LifecycleRecorded(log, evt.EventType, invocation.InstallationId, change.Value);
        return TypedResults.Ok(new LifecycleResponse(invocation.InstallationId, change.Value.ToString()));
    }

    [LoggerMessage(3001, LogLevel.Information, "Lifecycle event {EventType} for installation {InstallationId}: {Change}")]
    private static partial void LifecycleRecorded(ILogger logger, string eventType, string installationId, InstallationChange change);

    [LoggerMessage(3002, LogLevel.Warning, "Lifecycle event refused: its installation or site differs from the token's")]
    private static partial void InstallationMismatch(ILogger logger);
}

internal sealed record LifecycleResponse(string InstallationId, string Change);

internal sealed class LifecycleEventException(string message) : Exception(message);

/// <summary>The fields of a Forge lifecycle event body that we use.</summary>
internal sealed record LifecycleEvent(string EventType, string? InstallationId, string? CloudId, string? AppVersion)
{
    public static async Task<LifecycleEvent> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        using var document = await JsonDocument.ParseAsync(body, new JsonDocumentOptions { MaxDepth = 32 }, cancellationToken);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new LifecycleEventException("The body must be a JSON object.");
        }

        var eventType = OptionalString(root, "eventType") ?? throw new LifecycleEventException("eventType is required.");
        var installationId = OptionalString(root, "id");
        var context = root.TryGetProperty("context", out var ctx) ? ctx : default;
        string? cloudId = context.ValueKind switch
        {
            JsonValueKind.String => ForgeIds.Bare(context.GetString()!),
            JsonValueKind.Object => OptionalString(context, "cloudId"),
            _ => null,
        };
        string? version = root.TryGetProperty("app", out var app) && app.ValueKind == JsonValueKind.Object ? OptionalString(app, "version") : null;
        if (version is { Length: > 64 })
        {
            throw new LifecycleEventException("app.version is too long.");
        }

        return new LifecycleEvent(eventType, installationId, cloudId, version);
    }

    private static string? OptionalString(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new LifecycleEventException($"{name} must be a string.");
    }
}
