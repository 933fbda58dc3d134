using System.Text.Json.Nodes;

namespace Estimo.Simulator.Jira;

/// <summary>Errors in Jira's own shape: <c>{"errorMessages":[...],"errors":{...}}</c>.</summary>
public static class JiraErrors
{
    public const string IssueNotFound = "Issue does not exist or you do not have permission to see it.";
    public const string NotAuthenticated = "Client must be authenticated to access this resource.";

    public static IResult Result(int status, IEnumerable<string>? messages = null, IReadOnlyDictionary<string, string>? errors = null)
    {
        var body = new JsonObject
        {
            ["errorMessages"] = new JsonArray((messages ?? []).Select(m => (JsonNode?)JsonValue.Create(m)).ToArray()),
            ["errors"] = new JsonObject((errors ?? new Dictionary<string, string>())
                .Select(e => new KeyValuePair<string, JsonNode?>(e.Key, JsonValue.Create(e.Value)))),
        };
        return Results.Json(body, statusCode: status);
    }

    public static IResult BadRequest(string message) => Result(StatusCodes.Status400BadRequest, [message]);

    public static IResult FieldErrors(IReadOnlyDictionary<string, string> errors) => Result(StatusCodes.Status400BadRequest, errors: errors);

    public static IResult NotFound(string message) => Result(StatusCodes.Status404NotFound, [message]);

    public static IResult Forbidden(string message) => Result(StatusCodes.Status403Forbidden, [message]);

    public static IResult Unauthorized() => Result(StatusCodes.Status401Unauthorized, [NotAuthenticated]);

    public static IResult TooLarge(int limit) =>
        Result(StatusCodes.Status413PayloadTooLarge, [$"The request body exceeds the limit of {limit} bytes."]);
}
