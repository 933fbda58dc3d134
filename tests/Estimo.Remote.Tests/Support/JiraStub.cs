using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Estimo.Remote.Tests.Support;

/// <summary>
/// The two Jira endpoints the remote calls as the user (mypermissions, enhanced JQL search by
/// id), over real HTTP on loopback. Each user token maps to what that user may do.
/// </summary>
public sealed class JiraStub : IAsyncDisposable
{
    private readonly WebApplication _app;

    private JiraStub(WebApplication app) => _app = app;

    public Uri ApiBaseUrl { get; private init; } = null!;

    /// <summary>Token → (can edit in the project, issue ids the user can browse).</summary>
    public Dictionary<string, (bool CanEdit, HashSet<string> Visible)> Users { get; } = new(StringComparer.Ordinal);

    /// <summary>Tokens of Jira site admins (global ADMINISTER).</summary>
    public HashSet<string> Admins { get; } = new(StringComparer.Ordinal);

    public static async Task<JiraStub> StartAsync()
    {
        JiraStub? stub = null;
        var (app, baseAddress) = await LoopbackServer.StartAsync(app => Map(app, () => stub!));
        stub = new JiraStub(app) { ApiBaseUrl = new Uri(baseAddress, $"/ex/jira/{FitMinter.CloudId}") };
        return stub;
    }

    private static void Map(WebApplication app, Func<JiraStub> current)
    {
        app.MapGet("/ex/jira/{cloudId}/rest/api/3/mypermissions", (HttpContext http, string permissions) =>
        {
            if (current().User(http) is not { } user)
            {
                return Results.Json(new JsonObject { ["errorMessages"] = new JsonArray("Unauthorized") }, statusCode: 401);
            }

            return Results.Json(new JsonObject
            {
                ["permissions"] = new JsonObject { [permissions] = new JsonObject { ["havePermission"] = permissions == "ADMINISTER" ? current().Admins.Contains(Token(http)) : user.CanEdit } },
            });
        });
        app.MapPost("/ex/jira/{cloudId}/rest/api/3/search/jql", async (HttpContext http) =>
        {
            if (current().User(http) is not { } user)
            {
                return Results.Json(new JsonObject { ["errorMessages"] = new JsonArray("Unauthorized") }, statusCode: 401);
            }

            var body = await JsonNode.ParseAsync(http.Request.Body);
            var jql = body!["jql"]!.GetValue<string>();
            var ids = jql[(jql.IndexOf('(', StringComparison.Ordinal) + 1)..jql.LastIndexOf(')')].Split(',', StringSplitOptions.TrimEntries);
            var issues = new JsonArray([.. ids.Where(user.Visible.Contains).Select(id => (JsonNode)new JsonObject { ["id"] = id })]);
            return Results.Json(new JsonObject { ["issues"] = issues, ["isLast"] = true });
        });
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static string Token(HttpContext http) => http.Request.Headers.Authorization.ToString() is var h && h.StartsWith("Bearer ", StringComparison.Ordinal) ? h[7..] : string.Empty;

    private (bool CanEdit, HashSet<string> Visible)? User(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) && Users.TryGetValue(header[7..], out var user) ? user : null;
    }
}
