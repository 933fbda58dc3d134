using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;

namespace Estimo.Storage.Access;

/// <summary>
/// The access-transparency view of the audit chain: one installation's support records
/// (grants, reads, purges, refusals), newest first, as its site admins see them.
/// </summary>
public sealed class SupportAccessLog
{
    private readonly IDbContextFactory<EstimoDbContext> _contexts;

    internal SupportAccessLog(IDbContextFactory<EstimoDbContext> contexts) => _contexts = contexts;

    /// <summary>At most <paramref name="limit"/> records of <paramref name="installationId"/>, newest first.</summary>
    public async Task<IReadOnlyList<SupportAccessEntry>> ListAsync(string installationId, int limit, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var records = await db.AuditEvents.AsNoTracking()
            .Where(a => a.InstallationId == installationId && a.Action != "ops.command")
            .OrderByDescending(a => a.Sequence)
            .Take(limit)
            .ToListAsync(cancellationToken);
        return [.. records.Select(r =>
        {
            var details = Parse(r.Details);
            return new SupportAccessEntry(
                r.OccurredAt,
                r.OperatorId ?? "estimo-system",
                r.Action,
                r.Action == "access.refused" ? null : Text(details, "reason"), // a refusal's "reason" is ours, shown under what was done
                Text(details, "ticket"),
                Text(details, "what") ?? Describe(r.Action, details));
        })];
    }

    private static JsonObject? Parse(string details)
    {
        try
        {
            return JsonNode.Parse(details) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonObject? details, string name) =>
        details?[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static string Describe(string action, JsonObject? details) => action switch
    {
        "grants.requested" => $"requested {Text(details, "scope") ?? "an"} access grant",
        "grants.approved" => "a second support engineer approved the grant",
        "grants.revoked" => "the grant was revoked",
        "access.refused" => "refused: " + (Text(details, "reason") is { } reason ? reason : "no valid grant"),
        _ => action,
    };
}

/// <summary>One support access as a site admin sees it.</summary>
public sealed record SupportAccessEntry(DateTimeOffset OccurredAt, string OperatorId, string Action, string? Reason, string? Ticket, string What);
