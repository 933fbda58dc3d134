using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Estimo.Storage.Entities;
using Estimo.Storage.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Estimo.Storage.Access;

/// <summary>
/// Support access grants (<c>support_grants</c>): one support engineer, one installation, a
/// reason, a ticket, a scope and an expiry (default 4 h, at most 24 h). With
/// <c>Access:TwoPersonRule</c> a second support engineer must approve a grant before it is
/// active. Requests, approvals, revocations and every refusal are audited, scoped to the
/// installation so its site admins see them.
/// </summary>
public sealed partial class SupportGrants
{
    private readonly IDbContextFactory<EstimoDbContext> _contexts;
    private readonly TimeProvider _time;
    private readonly AccessOptions _options;

    internal SupportGrants(IDbContextFactory<EstimoDbContext> contexts, TimeProvider time, IOptions<AccessOptions> options)
    {
        _contexts = contexts;
        _time = time;
        _options = options.Value;
    }

    /// <summary>Whether grants need a second person's approval.</summary>
    public bool TwoPersonRule => _options.TwoPersonRule;

    /// <summary>Requests a grant for <paramref name="requester"/>; active at once unless the two-person rule is on.</summary>
    public async Task<GrantInfo> RequestAsync(string actor, OperatorInfo requester, string installationId, string reason, string ticket, GrantScope scope, TimeSpan? duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requester);
        ArgumentNullException.ThrowIfNull(installationId);
        ArgumentNullException.ThrowIfNull(reason);
        ArgumentNullException.ThrowIfNull(ticket);
        if (requester.Role != OperatorRole.SupportEngineer || !requester.Active)
        {
            throw await RefuseAsync(actor, "grants.request", installationId, "only an active support engineer can request a support grant; developers have no access to tenant data.", installationId, cancellationToken);
        }

        var length = duration ?? _options.DefaultGrantDuration;
        if (length <= TimeSpan.Zero || length > _options.MaxGrantDuration)
        {
            throw await RefuseAsync(actor, "grants.request", installationId, $"a grant lasts more than zero and at most {_options.MaxGrantDuration.TotalHours.ToString(CultureInfo.InvariantCulture)} hours.", installationId, cancellationToken);
        }

        if (reason.Trim().Length is < 10 or > 500 || reason.Any(char.IsControl))
        {
            throw await RefuseAsync(actor, "grants.request", installationId, "the reason must be 10 to 500 printable characters saying why access is needed (it is shown to the customer; never paste customer content).", installationId, cancellationToken);
        }

        if (!TicketShape().IsMatch(ticket))
        {
            throw await RefuseAsync(actor, "grants.request", installationId, "the ticket reference must be 1 to 100 letters, digits or . _ # / - (e.g. SUP-1234).", installationId, cancellationToken);
        }

        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        // A purge grant may also name an installation already purged: rerunning a purge is how its
        // listeners are repeated after a crash (the tombstone proves it existed).
        if (!await db.Installations.AnyAsync(i => i.Id == installationId, cancellationToken)
            && !(scope == GrantScope.Purge && await db.InstallationPurges.AnyAsync(p => p.InstallationId == installationId, cancellationToken)))
        {
            throw await RefuseAsync(actor, "grants.request", installationId, "no such installation.", null, cancellationToken);
        }

        var now = StorageTime.Normalize(_time.GetUtcNow());
        var grant = new SupportGrantEntity
        {
            Id = "grant-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)),
            OperatorId = requester.Id,
            InstallationId = installationId,
            Reason = reason.Trim(),
            Ticket = ticket,
            Scope = scope,
            CreatedAt = now,
            ExpiresAt = now + length,
            RequiresApproval = _options.TwoPersonRule,
        };
        db.SupportGrants.Add(grant);
        AuditLog.Add(db, now, actor, "grants.requested", grant.Id, Describe(grant), installationId);
        await db.SaveChangesAsync(cancellationToken);
        return ToInfo(grant);
    }

    /// <summary>Approves another operator's grant (two-person rule); approving one's own is refused.</summary>
    public async Task<GrantInfo> ApproveAsync(string actor, OperatorInfo approver, string grantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(approver);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var grant = await db.SupportGrants.SingleOrDefaultAsync(g => g.Id == grantId, cancellationToken)
            ?? throw await RefuseAsync(actor, "grants.approve", grantId, "no such grant.", null, cancellationToken);
        var now = _time.GetUtcNow();
        var problem =
            approver.Role != OperatorRole.SupportEngineer || !approver.Active ? "only an active support engineer can approve a grant."
            : grant.OperatorId == approver.Id ? "you cannot approve your own grant; a second support engineer must."
            : !grant.RequiresApproval ? "this grant does not need approval (the two-person rule was off when it was requested)."
            : grant.ApprovedBy is not null ? "this grant is already approved."
            : grant.RevokedBy is not null ? "this grant was revoked."
            : now >= grant.ExpiresAt ? "this grant has expired."
            : null;
        if (problem is not null)
        {
            throw await RefuseAsync(actor, "grants.approve", grantId, problem, grant.InstallationId, cancellationToken);
        }

        grant.ApprovedBy = approver.Id;
        grant.ApprovedAt = StorageTime.Normalize(now);
        var details = Describe(grant);
        details["approvedBy"] = approver.Id;
        AuditLog.Add(db, now, actor, "grants.approved", grant.Id, details, grant.InstallationId);
        await db.SaveChangesAsync(cancellationToken);
        return ToInfo(grant);
    }

    /// <summary>Revokes a grant at once (its holder, or any active support engineer).</summary>
    public async Task<GrantInfo> RevokeAsync(string actor, OperatorInfo revoker, string grantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(revoker);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var grant = await db.SupportGrants.SingleOrDefaultAsync(g => g.Id == grantId, cancellationToken)
            ?? throw await RefuseAsync(actor, "grants.revoke", grantId, "no such grant.", null, cancellationToken);
        if (grant.OperatorId != revoker.Id && revoker.Role != OperatorRole.SupportEngineer)
        {
            throw await RefuseAsync(actor, "grants.revoke", grantId, "only the grant's holder or a support engineer can revoke it.", grant.InstallationId, cancellationToken);
        }

        if (grant.RevokedBy is not null)
        {
            throw await RefuseAsync(actor, "grants.revoke", grantId, "this grant is already revoked.", grant.InstallationId, cancellationToken);
        }

        var now = _time.GetUtcNow();
        grant.RevokedBy = revoker.Id;
        grant.RevokedAt = StorageTime.Normalize(now);
        var details = Describe(grant);
        details["revokedBy"] = revoker.Id;
        AuditLog.Add(db, now, actor, "grants.revoked", grant.Id, details, grant.InstallationId);
        await db.SaveChangesAsync(cancellationToken);
        return ToInfo(grant);
    }

    /// <summary>Grants, newest first: all, or one installation's.</summary>
    public async Task<IReadOnlyList<GrantInfo>> ListAsync(string? installationId, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var query = db.SupportGrants.AsNoTracking();
        if (installationId is not null)
        {
            query = query.Where(g => g.InstallationId == installationId);
        }

        var grants = await query.OrderByDescending(g => g.CreatedAt).Take(500).ToListAsync(cancellationToken);
        return [.. grants.Select(ToInfo)];
    }

    /// <summary>
    /// Checks that <paramref name="grantId"/> lets <paramref name="holder"/> act on
    /// <paramref name="installationId"/> with <paramref name="scope"/> now, and returns the
    /// proof the data services require. Every refusal (another operator's grant, another
    /// installation, wrong scope, awaiting approval, revoked, expired) is audited.
    /// </summary>
    public async Task<ValidatedGrant> ValidateAsync(string actor, OperatorInfo holder, string grantId, string installationId, GrantScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(holder);
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var grant = await db.SupportGrants.AsNoTracking().SingleOrDefaultAsync(g => g.Id == grantId, cancellationToken);
        var now = _time.GetUtcNow();
        var problem =
            holder.Role != OperatorRole.SupportEngineer || !holder.Active ? "only an active support engineer can use a support grant."
            : grant is null ? "no such grant."
            : grant.OperatorId != holder.Id ? "this grant belongs to another operator."
            : grant.InstallationId != installationId ? "this grant is for another installation."
            : grant.Scope != scope ? $"this grant's scope is {grant.Scope.ToString().ToLowerInvariant()}, not {scope.ToString().ToLowerInvariant()}."
            : ToInfo(grant).StateAt(now) is var state && state != "active" ? $"this grant is {state}."
            : null;
        if (problem is not null)
        {
            throw await RefuseAsync(actor, $"support.{scope.ToString().ToLowerInvariant()}", grantId, problem, installationId, cancellationToken);
        }

        return new ValidatedGrant(grant!.Id, holder.Id, grant.InstallationId, grant.Scope, grant.Reason, grant.Ticket, grant.ExpiresAt);
    }

    private Task<AccessDeniedException> RefuseAsync(string actor, string attempted, string subject, string reason, string? installationId, CancellationToken cancellationToken) =>
        AccessAudit.RefuseAsync(_contexts, _time, actor, attempted, subject, reason, installationId, cancellationToken);

    private static JsonObject Describe(SupportGrantEntity g) => new()
    {
        ["grant"] = g.Id,
        ["operator"] = g.OperatorId,
        ["scope"] = g.Scope.ToString().ToLowerInvariant(),
        ["reason"] = g.Reason,
        ["ticket"] = g.Ticket,
        ["expiresAt"] = g.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
        ["requiresApproval"] = g.RequiresApproval,
    };

    private static GrantInfo ToInfo(SupportGrantEntity g) =>
        new(g.Id, g.OperatorId, g.InstallationId, g.Reason, g.Ticket, g.Scope, g.CreatedAt, g.ExpiresAt, g.RequiresApproval, g.ApprovedBy, g.RevokedBy);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._#/-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex TicketShape();
}

/// <summary>
/// Proof, produced only by <see cref="SupportGrants.ValidateAsync"/>, that an operator holds an
/// active grant for one installation and scope. The services that decrypt or delete tenant
/// data take one, so code without a validated grant cannot reach the data through them.
/// </summary>
public sealed class ValidatedGrant
{
    internal ValidatedGrant(string grantId, string operatorId, string installationId, GrantScope scope, string reason, string ticket, DateTimeOffset expiresAt)
    {
        GrantId = grantId;
        OperatorId = operatorId;
        InstallationId = installationId;
        Scope = scope;
        Reason = reason;
        Ticket = ticket;
        ExpiresAt = expiresAt;
    }

    public string GrantId { get; }

    public string OperatorId { get; }

    public string InstallationId { get; }

    public GrantScope Scope { get; }

    public string Reason { get; }

    public string Ticket { get; }

    public DateTimeOffset ExpiresAt { get; }
}
