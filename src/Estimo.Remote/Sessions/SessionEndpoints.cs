using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Estimo.Core.Poker;
using Estimo.Forge.Jira;
using Estimo.Remote.Authentication;
using Estimo.Remote.Installations;
using Microsoft.AspNetCore.Mvc;

namespace Estimo.Remote.Sessions;

/// <summary>The session API of docs/api.md. Every call is scoped to the FIT's installation.</summary>
internal static partial class SessionEndpoints
{
    private const string EditIssuesPermission = "EDIT_ISSUES";

    public static IEndpointRouteBuilder MapSessionEndpoints(this IEndpointRouteBuilder routes)
    {
        var sessions = routes.MapGroup("/api/sessions");
        sessions.MapPost("/", CreateAsync).WithName("CreateSession");
        sessions.MapGet("/", ListAsync).WithName("ListSessions");
        sessions.MapGet("/{sessionId}", GetAsync).WithName("GetSession");
        sessions.MapPost("/{sessionId}/join", JoinAsync).WithName("JoinSession");
        sessions.MapPost("/{sessionId}/leave", LeaveAsync).WithName("LeaveSession");
        sessions.MapPost("/{sessionId}/votes", VoteAsync).WithName("CastVote");
        sessions.MapDelete("/{sessionId}/votes/{issueId}", RetractAsync).WithName("RetractVote");
        sessions.MapPost("/{sessionId}/actions", ActAsync).WithName("SessionAction");
        sessions.MapPost("/{sessionId}/accept", AcceptAsync).WithName("AcceptEstimate");
        sessions.MapPut("/{sessionId}/delegates", DelegatesAsync).WithName("SetDelegates");
        return routes;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, CreateSessionRequest? body, JiraUserClient jira, SessionService sessions, InstallationRegistrar registrar, TimeProvider time, CancellationToken ct)
    {
        var invocation = http.GetForgeInvocation();
        if (Caller(http) is not { } account)
        {
            return Problem(StatusCodes.Status403Forbidden, "no_user", "Only a signed-in user can create a session.");
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var input = Validate(body, errors);
        if (errors.Count > 0 || input is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The session request is not valid.", extensions: new Dictionary<string, object?> { ["code"] = "validation" });
        }

        if (invocation.UserToken is not { } userToken || invocation.Invocation.ApiBaseUrl is not { } apiBase)
        {
            return Problem(StatusCodes.Status400BadRequest, "user_token_required", "Create sessions through invokeRemote, so Jira can be asked as you.");
        }

        var canEdit = await jira.HasProjectPermissionAsync(apiBase, userToken.Reveal(), input.Scope.ProjectKey, EditIssuesPermission, ct);
        if (JiraProblem(canEdit) is { } editProblem)
        {
            return editProblem;
        }

        if (!canEdit.Value)
        {
            return Problem(StatusCodes.Status403Forbidden, "no_edit_permission", "You need permission to edit issues in this project to start a session.");
        }

        var visible = await jira.VisibleIssueIdsAsync(apiBase, userToken.Reveal(), [.. input.Issues.Select(i => i.IssueId)], ct);
        if (JiraProblem(visible) is { } visibleProblem)
        {
            return visibleProblem;
        }

        var notVisible = input.Issues.Where(i => !visible.Value!.Contains(i.IssueId)).Select(i => i.IssueId).ToArray();
        if (notVisible.Length > 0)
        {
            return Problem(StatusCodes.Status403Forbidden, "issues_not_visible", "Some issues do not exist or you cannot browse them in Jira.", new() { ["issueIds"] = notVisible });
        }

        var created = PokerSession.Create(
            new NewPokerSession
            {
                SessionId = Guid.NewGuid().ToString("N"),
                InstallationId = invocation.Invocation.InstallationId,
                FacilitatorAccountId = account,
                DelegateAccountIds = input.Delegates,
                Deck = input.Deck,
                Issues = input.Issues,
                Mode = input.Mode,
                AsyncDeadline = input.AsyncDeadline,
                Settings = new PokerSettings { AutoReveal = input.AutoReveal, DefaultTimerDuration = input.Timer },
            },
            time.GetUtcNow());
        if (created.Value is not { } session)
        {
            return PokerProblem(created.Error!, current: null);
        }

        session.Join(account, ParticipantRole.Voter, time.GetUtcNow());
        await registrar.EnsureAsync(invocation.Invocation, ct);
        var stored = new StoredPokerSession(input.Scope, session);
        JsonObject view;
        try
        {
            view = await sessions.CreateAsync(stored, (s, now) => SessionJson.ForViewer(s, account, now), ct);
        }
        catch (Estimo.Storage.Installations.UnknownInstallationException)
        {
            // Purged meanwhile (a site admin's "delete now" through another instance): the
            // verified token says the app is installed, so register it afresh and create again.
            registrar.Forget(invocation.Invocation.InstallationId);
            http.RequestServices.GetRequiredService<Estimo.Storage.Lifecycle.InstallationPurger>().ForgetCachedKeys(invocation.Invocation.InstallationId);
            await registrar.EnsureAsync(invocation.Invocation, ct);
            view = await sessions.CreateAsync(stored, (s, now) => SessionJson.ForViewer(s, account, now), ct);
        }

        return TypedResults.Created($"/api/sessions/{session.Id}", view);
    }

    private static async Task<IResult> ListAsync(HttpContext http, string? projectKey, string? status, SessionService sessions, CancellationToken ct)
    {
        SessionStatus? wanted = status switch
        {
            null or "" => null,
            "active" => SessionStatus.Active,
            "ended" => SessionStatus.Ended,
            _ => (SessionStatus)(-1),
        };
        if (wanted is (SessionStatus)(-1))
        {
            return Problem(StatusCodes.Status400BadRequest, "validation", "status must be 'active' or 'ended'.");
        }

        if (projectKey is not null && !ProjectKeyPattern().IsMatch(projectKey))
        {
            return Problem(StatusCodes.Status400BadRequest, "validation", "projectKey is not a Jira project key.");
        }

        var list = await sessions.ListAsync(http.GetForgeInvocation().Invocation.InstallationId, projectKey, wanted, ct);
        return TypedResults.Ok(new JsonObject { ["sessions"] = new JsonArray([.. list.Select(SessionJson.Summary)]) });
    }

    private static async Task<IResult> GetAsync(HttpContext http, string sessionId, long? since, SessionService sessions, CancellationToken ct)
    {
        if (Caller(http) is not { } account)
        {
            return Problem(StatusCodes.Status403Forbidden, "no_user", "Only a signed-in user can follow a session.");
        }

        var outcome = await sessions.WaitAsync(Installation(http), sessionId, account, since, (s, now) => SessionJson.ForViewer(s, account, now), ct);
        return outcome.Kind switch
        {
            OutcomeKind.Ok => TypedResults.Ok(outcome.Value),
            OutcomeKind.NoChange => TypedResults.NoContent(),
            OutcomeKind.NotFound => NotFound(),
            _ => Problem(StatusCodes.Status403Forbidden, "not_joined", "Join the session first."),
        };
    }

    private static async Task<IResult> JoinAsync(HttpContext http, string sessionId, JoinRequest? body, JiraUserClient jira, SessionService sessions, CancellationToken ct)
    {
        var invocation = http.GetForgeInvocation();
        if (Caller(http) is not { } account)
        {
            return Problem(StatusCodes.Status403Forbidden, "no_user", "Only a signed-in user can join a session.");
        }

        ParticipantRole? role = body?.Role switch
        {
            null or "voter" => ParticipantRole.Voter,
            "observer" => ParticipantRole.Observer,
            _ => null,
        };
        if (role is null)
        {
            return Problem(StatusCodes.Status400BadRequest, "validation", "role must be 'voter' or 'observer'.");
        }

        if (invocation.UserToken is not { } userToken || invocation.Invocation.ApiBaseUrl is not { } apiBase)
        {
            return Problem(StatusCodes.Status400BadRequest, "user_token_required", "Join sessions through invokeRemote, so Jira can be asked as you.");
        }

        // Ask Jira, as the joining user, which issues they may see; outside the session lock.
        var peek = await sessions.ApplyAsync(Installation(http), sessionId, (_, _) => Unchanged(), (s, _) => s.Session.Issues.Select(i => i.Issue.IssueId).ToArray(), ct);
        if (peek.Kind == OutcomeKind.NotFound)
        {
            return NotFound();
        }

        var visible = await jira.VisibleIssueIdsAsync(apiBase, userToken.Reveal(), peek.Value!, ct);
        if (JiraProblem(visible) is { } problem)
        {
            return problem;
        }

        var hidden = peek.Value!.Where(id => !visible.Value!.Contains(id)).ToArray();
        var outcome = await sessions.ApplyAsync(
            Installation(http),
            sessionId,
            (s, now) =>
            {
                var joined = s.Session.Join(account, role.Value, now);
                if (!joined.IsSuccess)
                {
                    return joined;
                }

                var before = s.HiddenIssues.TryGetValue(account, out var old) ? old : [];
                s.HiddenIssues[account] = hidden;
                var hiddenChanged = !before.Order(StringComparer.Ordinal).SequenceEqual(hidden.Order(StringComparer.Ordinal), StringComparer.Ordinal);
                return joined.Changed || !hiddenChanged ? joined : new PokerResult(null, true, joined.Version);
            },
            (s, now) => SessionJson.ForViewer(s, account, now),
            ct);
        return ToResult(outcome);
    }

    private static Task<IResult> LeaveAsync(HttpContext http, string sessionId, SessionService sessions, CancellationToken ct) =>
        ActAsCallerAsync(http, sessionId, sessions, (s, account, now) => s.Session.Leave(account, now), ct);

    private static Task<IResult> VoteAsync(HttpContext http, string sessionId, VoteRequest? body, SessionService sessions, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(body?.IssueId) || string.IsNullOrEmpty(body.Label))
        {
            return Task.FromResult<IResult>(Problem(StatusCodes.Status400BadRequest, "validation", "issueId and label are required."));
        }

        return ActAsCallerAsync(http, sessionId, sessions, (s, account, now) => s.Session.CastVote(account, body.IssueId, body.Label, now), ct);
    }

    private static Task<IResult> RetractAsync(HttpContext http, string sessionId, string issueId, SessionService sessions, CancellationToken ct) =>
        ActAsCallerAsync(http, sessionId, sessions, (s, account, now) => s.Session.RetractVote(account, issueId, now), ct);

    private static Task<IResult> ActAsync(HttpContext http, string sessionId, ActionRequest? body, SessionService sessions, CancellationToken ct)
    {
        var expected = body?.ExpectedVersion;
        Func<StoredPokerSession, string, DateTimeOffset, PokerResult>? operation = body?.Action switch
        {
            "reveal" => (s, a, now) => s.Session.Reveal(a, now, expected),
            "revote" => (s, a, now) => s.Session.Revote(a, now, expected),
            "skip" => (s, a, now) => s.Session.Skip(a, now, expected),
            "next" => (s, a, now) => s.Session.NextIssue(a, now, expected),
            "previous" => (s, a, now) => s.Session.PreviousIssue(a, now, expected),
            "goto" when body.Index is { } index => (s, a, now) => s.Session.GoToIssue(a, index, now, expected),
            "closeVoting" => (s, a, now) => s.Session.CloseVoting(a, now, expected),
            "startTimer" => (s, a, now) => s.Session.StartTimer(a, body.Seconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null, now, expected),
            "stopTimer" => (s, a, now) => s.Session.StopTimer(a, now, expected),
            "end" => (s, a, now) => s.Session.EndSession(a, now, expected),
            _ => null,
        };
        return operation is null
            ? Task.FromResult<IResult>(Problem(StatusCodes.Status400BadRequest, "validation", "action must be one of reveal, revote, skip, next, previous, goto (with index), closeVoting, startTimer, stopTimer, end."))
            : ActAsCallerAsync(http, sessionId, sessions, operation, ct);
    }

    private static async Task<IResult> AcceptAsync(HttpContext http, string sessionId, AcceptRequest? body, SessionService sessions, CancellationToken ct)
    {
        if (Caller(http) is not { } account)
        {
            return Problem(StatusCodes.Status403Forbidden, "no_user", "Only a signed-in user can accept an estimate.");
        }

        if (string.IsNullOrEmpty(body?.IssueId) || (body.Label is null && body.Value is null))
        {
            return Problem(StatusCodes.Status400BadRequest, "validation", "issueId and a label or a value are required.");
        }

        var outcome = await sessions.ApplyAsync(
            Installation(http),
            sessionId,
            (s, now) => body.Label is { } label
                ? s.Session.AcceptEstimate(account, body.IssueId, label, now, body.ExpectedVersion)
                : s.Session.AcceptValue(account, body.IssueId, body.Value!.Value, now, body.ExpectedVersion),
            (s, now) =>
            {
                var record = EstimationRecord.From(s.Session, body.IssueId);
                return new JsonObject
                {
                    ["view"] = SessionJson.ForViewer(s, account, now),
                    ["estimationRecord"] = record.Value is { } r ? JsonNode.Parse(r.ToJson()) : null,
                };
            },
            ct);
        return outcome.Kind switch
        {
            OutcomeKind.Ok => TypedResults.Ok(outcome.Value),
            OutcomeKind.NotFound => NotFound(),
            _ => PokerProblem(outcome.Error!, outcome.Value?["view"]?.DeepClone()),
        };
    }

    private static Task<IResult> DelegatesAsync(HttpContext http, string sessionId, DelegatesRequest? body, SessionService sessions, CancellationToken ct)
    {
        if (body?.AccountIds is not { } ids || ids.Any(string.IsNullOrWhiteSpace))
        {
            return Task.FromResult<IResult>(Problem(StatusCodes.Status400BadRequest, "validation", "accountIds must be a list of account ids."));
        }

        return ActAsCallerAsync(http, sessionId, sessions, (s, account, now) => s.Session.SetDelegates(account, ids, now, body.ExpectedVersion), ct);
    }

    private static async Task<IResult> ActAsCallerAsync(
        HttpContext http,
        string sessionId,
        SessionService sessions,
        Func<StoredPokerSession, string, DateTimeOffset, PokerResult> operation,
        CancellationToken ct)
    {
        if (Caller(http) is not { } account)
        {
            return Problem(StatusCodes.Status403Forbidden, "no_user", "Only a signed-in user can act in a session.");
        }

        var outcome = await sessions.ApplyAsync(
            Installation(http),
            sessionId,
            (s, now) => operation(s, account, now),
            (s, now) => SessionJson.ForViewer(s, account, now),
            ct);
        return ToResult(outcome);
    }

    private static IResult ToResult(SessionOutcome<JsonObject> outcome) => outcome.Kind switch
    {
        OutcomeKind.Ok => TypedResults.Ok(outcome.Value),
        OutcomeKind.NotFound => NotFound(),
        _ => PokerProblem(outcome.Error!, outcome.Value),
    };

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult PokerProblem(PokerError error, JsonNode? current)
    {
        var (status, code) = error.Kind switch
        {
            PokerErrorKind.NotFound => (StatusCodes.Status404NotFound, "not_found"),
            PokerErrorKind.Forbidden => (StatusCodes.Status403Forbidden, "forbidden"),
            PokerErrorKind.InvalidVote => (StatusCodes.Status400BadRequest, "invalid_vote"),
            PokerErrorKind.Conflict => (StatusCodes.Status409Conflict, "conflict"),
            PokerErrorKind.InvalidState => (StatusCodes.Status409Conflict, "invalid_state"),
            _ => (StatusCodes.Status400BadRequest, "validation"),
        };
        var extensions = new Dictionary<string, object?>();
        if (error.Kind == PokerErrorKind.Conflict && current is not null)
        {
            extensions["current"] = current;
        }

        return Problem(status, code, error.Message, extensions);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? JiraProblem<T>(JiraResult<T> result) => result.Failure switch
    {
        JiraFailure.None => null,
        JiraFailure.RateLimited => Problem(
            StatusCodes.Status429TooManyRequests,
            "jira_rate_limited",
            "Jira is rate limiting requests; try again shortly.",
            new() { ["retryAfterSeconds"] = (int)Math.Ceiling((result.RetryAfter ?? TimeSpan.FromSeconds(5)).TotalSeconds) }),
        JiraFailure.Unauthorized => Problem(StatusCodes.Status502BadGateway, "jira_unauthorized", "Jira did not accept your session; reload the page."),
        JiraFailure.Rejected => Problem(StatusCodes.Status400BadRequest, "jira_rejected", "Jira rejected the request (is the project key right?)."),
        _ => Problem(StatusCodes.Status502BadGateway, "jira_unavailable", "Jira could not be reached; try again shortly."),
    };

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NotFound() => Problem(StatusCodes.Status404NotFound, "not_found", "No such session.");

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Problem(int status, string code, string detail, Dictionary<string, object?>? extensions = null)
    {
        extensions ??= [];
        extensions["code"] = code;
        return TypedResults.Problem(detail: detail, statusCode: status, extensions: extensions);
    }

    private static string? Caller(HttpContext http) => http.GetForgeInvocation().Invocation.PrincipalAccountId is { Length: > 0 } id ? id : null;

    private static string Installation(HttpContext http) => http.GetForgeInvocation().Invocation.InstallationId;

    private static PokerResult Unchanged() => new(null, false, 0);

    private sealed record ValidCreate(SessionScope Scope, IReadOnlyList<PokerIssue> Issues, Deck Deck, PokerMode Mode, DateTimeOffset? AsyncDeadline, bool AutoReveal, TimeSpan? Timer, IReadOnlyList<string> Delegates);

    private static ValidCreate? Validate(CreateSessionRequest? body, Dictionary<string, string[]> errors)
    {
        if (body is null)
        {
            errors["body"] = ["A JSON body is required."];
            return null;
        }

        if (body.ProjectKey is null || !ProjectKeyPattern().IsMatch(body.ProjectKey))
        {
            errors["projectKey"] = ["A Jira project key is required."];
        }

        if (body.EstimationFieldId is null || !FieldIdPattern().IsMatch(body.EstimationFieldId))
        {
            errors["estimationFieldId"] = ["A Jira field id (e.g. customfield_10016) is required."];
        }

        SessionSourceKind? kind = body.Source?.Kind switch
        {
            "backlog" => SessionSourceKind.Backlog,
            "sprint" => SessionSourceKind.Sprint,
            "jql" => SessionSourceKind.Jql,
            "issue" => SessionSourceKind.Issue,
            _ => null,
        };
        if (kind is null)
        {
            errors["source.kind"] = ["source.kind must be backlog, sprint, jql or issue."];
        }
        else if (kind == SessionSourceKind.Sprint && body.Source!.SprintId is null)
        {
            errors["source.sprintId"] = ["A sprint session needs source.sprintId."];
        }

        var issues = new List<PokerIssue>();
        if (body.Issues is not { Count: > 0 and <= PokerSession.MaxIssues })
        {
            errors["issues"] = [$"Between 1 and {PokerSession.MaxIssues} issues are required."];
        }
        else
        {
            foreach (var issue in body.Issues)
            {
                if (issue.Id is null || !issue.Id.All(char.IsAsciiDigit) || issue.Id.Length is 0 or > 20 || issue.Key is null || !IssueKeyPattern().IsMatch(issue.Key))
                {
                    errors["issues"] = ["Each issue needs a numeric id and a key such as EST-12."];
                    break;
                }

                issues.Add(new PokerIssue(issue.Id, issue.Key));
            }
        }

        Deck? deck = null;
        if (body.DeckId == "custom")
        {
            var custom = Deck.Create("custom", "Custom", (body.CustomCards ?? []).Select(c => new Card(c.Label ?? string.Empty, c.Value)));
            if (custom.Deck is null)
            {
                errors["customCards"] = [.. custom.Error!.Problems.Select(p => p.Message)];
            }

            deck = custom.Deck;
        }
        else
        {
            deck = BuiltInDecks.Find(body.DeckId);
            if (deck is null)
            {
                errors["deckId"] = ["deckId must be fibonacci, modified-fibonacci, t-shirt, powers-of-two or custom."];
            }
        }

        var mode = body.Mode switch
        {
            null or "live" => PokerMode.Live,
            "async" => PokerMode.Async,
            _ => (PokerMode)(-1),
        };
        if (mode == (PokerMode)(-1))
        {
            errors["mode"] = ["mode must be live or async."];
        }

        if (body.TimerSeconds is { } seconds && (seconds < 5 || seconds > 3600))
        {
            errors["timerSeconds"] = ["timerSeconds must be between 5 and 3600."];
        }

        return errors.Count > 0 || deck is null
            ? null
            : new ValidCreate(
                new SessionScope(body.ProjectKey!, body.BoardId, body.EstimationFieldId!, kind!.Value, body.Source!.SprintId),
                issues,
                deck,
                mode,
                body.AsyncDeadline,
                body.AutoReveal ?? true,
                body.TimerSeconds is { } s ? TimeSpan.FromSeconds(s) : null,
                body.DelegateAccountIds ?? []);
    }

    [GeneratedRegex("^[A-Z][A-Z0-9_]{0,254}$")]
    private static partial Regex ProjectKeyPattern();

    [GeneratedRegex("^[A-Z][A-Z0-9_]{0,254}-[0-9]{1,18}$")]
    private static partial Regex IssueKeyPattern();

    [GeneratedRegex("^[a-z][a-z0-9_]{0,254}$")]
    private static partial Regex FieldIdPattern();
}
