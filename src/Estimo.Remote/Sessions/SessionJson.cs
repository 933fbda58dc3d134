using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Estimo.Core.Poker;

namespace Estimo.Remote.Sessions;

/// <summary>
/// The wire shape of a session for one viewer (docs/api.md): the domain's
/// <see cref="SessionView"/> (which already hides other people's unrevealed votes), plus the
/// session's Jira scope, with the issues Jira does not let this viewer browse replaced by
/// <c>{"hidden": true}</c> so positions stay stable.
/// </summary>
internal static class SessionJson
{
    public static readonly JsonSerializerOptions Options = CreateOptions();

    public static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        return options;
    }

    public static JsonObject ForViewer(StoredPokerSession stored, string viewerAccountId, DateTimeOffset now)
    {
        var view = stored.Session.ForViewer(viewerAccountId, now);
        var json = JsonSerializer.SerializeToNode(view, Options)!.AsObject();
        if (json["issues"] is JsonArray all)
        {
            foreach (var statistics in all.SelectMany(i => i?["rounds"] as JsonArray ?? []).Select(r => r?["statistics"]).OfType<JsonObject>())
            {
                ToContractNames(statistics);
            }
        }
        json["projectKey"] = stored.Scope.ProjectKey;
        json["boardId"] = stored.Scope.BoardId;
        json["estimationFieldId"] = stored.Scope.EstimationFieldId;
        json["sourceKind"] = JsonNamingPolicy.CamelCase.ConvertName(stored.Scope.SourceKind.ToString());
        json["timerSeconds"] = stored.Session.Settings.DefaultTimerDuration is { } timer ? (int)timer.TotalSeconds : null;
        json["autoReveal"] = stored.Session.Settings.AutoReveal;

        var hidden = stored.HiddenIssues.TryGetValue(viewerAccountId, out var ids) ? ids : [];
        var hiddenCount = 0;
        if (hidden.Count > 0 && json["issues"] is JsonArray issues)
        {
            var hiddenSet = hidden.ToHashSet(StringComparer.Ordinal);
            for (var i = 0; i < issues.Count; i++)
            {
                if (issues[i]?["issueId"]?.GetValue<string>() is { } id && hiddenSet.Contains(id))
                {
                    issues[i] = new JsonObject { ["hidden"] = true };
                    hiddenCount++;
                }
            }
        }

        json["hiddenIssueCount"] = hiddenCount;
        return json;
    }

    /// <summary>
    /// The domain's <see cref="VoteStatistics"/> names two figures differently from the contract
    /// the UI reads: <c>Suggested</c> (a card) becomes <c>suggestedLabel</c> + <c>suggestedValue</c>,
    /// <c>SpreadInSteps</c> becomes <c>spreadSteps</c>.
    /// </summary>
    private static void ToContractNames(JsonObject statistics)
    {
        var suggested = statistics["suggested"] as JsonObject;
        statistics.Remove("suggested");
        statistics["suggestedLabel"] = suggested?["label"]?.DeepClone();
        statistics["suggestedValue"] = suggested?["value"]?.DeepClone();
        var steps = statistics["spreadInSteps"]?.DeepClone();
        statistics.Remove("spreadInSteps");
        statistics["spreadSteps"] = steps;
    }

    public static JsonObject Summary(PokerSessionSummary summary) => new()
    {
        ["id"] = summary.SessionId,
        ["projectKey"] = summary.Scope.ProjectKey,
        ["boardId"] = summary.Scope.BoardId,
        ["estimationFieldId"] = summary.Scope.EstimationFieldId,
        ["sourceKind"] = JsonNamingPolicy.CamelCase.ConvertName(summary.Scope.SourceKind.ToString()),
        ["facilitatorAccountId"] = summary.FacilitatorAccountId,
        ["mode"] = JsonNamingPolicy.CamelCase.ConvertName(summary.Mode.ToString()),
        ["status"] = JsonNamingPolicy.CamelCase.ConvertName(summary.Status.ToString()),
        ["createdAt"] = summary.CreatedAt,
        ["issueCount"] = summary.IssueCount,
        ["participantCount"] = summary.ParticipantCount,
    };
}
