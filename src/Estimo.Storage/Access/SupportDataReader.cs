using System.Text.Json.Nodes;
using Estimo.Core.Poker;
using Estimo.Storage.Security;
using Microsoft.EntityFrameworkCore;

namespace Estimo.Storage.Access;

/// <summary>
/// Reads one installation's sealed data for a support engineer, and only under a
/// <see cref="ValidatedGrant"/> of scope read: the audit record (installation, operator,
/// grant, reason, ticket, what was read) is committed before anything is decrypted, so a
/// failed audit write means nothing was read. Returns counts and identifiers only; sealed
/// state holds issue ids and keys, account ids and votes, and none of it is printed beyond counts.
/// </summary>
public sealed class SupportDataReader
{
    private readonly IDbContextFactory<EstimoDbContext> _contexts;
    private readonly IPokerSessionStore _sessions;
    private readonly TimeProvider _time;

    internal SupportDataReader(IDbContextFactory<EstimoDbContext> contexts, IPokerSessionStore sessions, TimeProvider time)
    {
        _contexts = contexts;
        _sessions = sessions;
        _time = time;
    }

    /// <summary>Summaries of the grant's installation's sessions, decrypted.</summary>
    public async Task<IReadOnlyList<SupportSessionSummary>> ListSessionsAsync(string actor, ValidatedGrant grant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grant);
        if (grant.Scope != GrantScope.Read || _time.GetUtcNow() >= grant.ExpiresAt)
        {
            throw new AccessDeniedException("the grant does not allow reading (wrong scope or expired).");
        }

        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var ids = await db.PokerSessions.AsNoTracking().Where(s => s.InstallationId == grant.InstallationId)
            .OrderBy(s => s.CreatedAt).Select(s => s.Id).Take(1000).ToListAsync(cancellationToken);
        AuditLog.Add(db, _time.GetUtcNow(), actor, "support.sessions.read", grant.InstallationId, new JsonObject
        {
            ["grant"] = grant.GrantId,
            ["operator"] = grant.OperatorId,
            ["reason"] = grant.Reason,
            ["ticket"] = grant.Ticket,
            ["what"] = $"listed {ids.Count} session(s): status and counts",
        }, grant.InstallationId);
        await db.SaveChangesAsync(cancellationToken);

        var summaries = new List<SupportSessionSummary>(ids.Count);
        foreach (var id in ids)
        {
            var stored = await _sessions.FindAsync(grant.InstallationId, id, cancellationToken);
            if (stored is null)
            {
                continue;
            }

            var snapshot = stored.Session.ToSnapshot();
            summaries.Add(new SupportSessionSummary(
                stored.SessionId,
                stored.Session.Status.ToString(),
                stored.Session.Mode.ToString(),
                snapshot.CreatedAt,
                snapshot.Issues.Count,
                stored.Session.Participants.Count,
                snapshot.Issues.Sum(i => i.Rounds.Count),
                snapshot.Issues.Sum(i => i.Rounds.Sum(r => r.Votes.Count))));
        }

        return summaries;
    }
}

/// <summary>What support may see of a session: identifiers, states and counts; never votes, account ids or issue keys.</summary>
public sealed record SupportSessionSummary(string SessionId, string Status, string Mode, DateTimeOffset CreatedAt, int Issues, int Participants, int Rounds, int VotesCast);
