using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Estimo.Storage.Entities;
using Estimo.Storage.Security;
using Microsoft.EntityFrameworkCore;

namespace Estimo.Storage.Access;

/// <summary>
/// The operator registry (<c>operators</c>, <c>operator_keys</c>): who may run the operator
/// CLI, in which role, with which SSH keys. Every change and every refused change is audited.
/// The first operator can be created only while the registry is empty (the bootstrap); it must
/// be a support engineer, because only active support engineers manage the registry.
/// </summary>
public sealed partial class OperatorRegistry
{
    private readonly IDbContextFactory<EstimoDbContext> _contexts;
    private readonly TimeProvider _time;

    internal OperatorRegistry(IDbContextFactory<EstimoDbContext> contexts, TimeProvider time)
    {
        _contexts = contexts;
        _time = time;
    }

    /// <summary>True while no operator exists. Throws a database exception when the table does not exist yet (before <c>migrate</c>).</summary>
    public async Task<bool> IsEmptyAsync(CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        return !await db.Operators.AnyAsync(cancellationToken);
    }

    /// <summary>The operator who logs in as <paramref name="osUser"/>, or null.</summary>
    public async Task<OperatorInfo?> FindByOsUserAsync(string osUser, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var entity = await db.Operators.AsNoTracking().Include(o => o.Keys).SingleOrDefaultAsync(o => o.OsUser == osUser, cancellationToken);
        return entity is null ? null : ToInfo(entity);
    }

    /// <summary>Every operator, active or not.</summary>
    public async Task<IReadOnlyList<OperatorInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var all = await db.Operators.AsNoTracking().Include(o => o.Keys).OrderBy(o => o.OsUser).ToListAsync(cancellationToken);
        return [.. all.Select(ToInfo)];
    }

    /// <summary>
    /// Registers an operator. With <paramref name="bootstrap"/>, only while the registry is
    /// empty and only as a support engineer; otherwise the caller has checked that the acting
    /// operator is an active support engineer.
    /// </summary>
    public async Task<OperatorInfo> AddAsync(string actor, string osUser, string displayName, OperatorRole role, bool bootstrap, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(osUser);
        ArgumentNullException.ThrowIfNull(displayName);
        if (!OsUserShape().IsMatch(osUser))
        {
            throw await RefuseAsync(actor, "operators.add", osUser, $"'{Printable(osUser)}' is not a valid OS user name (lower-case letters, digits, '_', '-', '.'; at most 32).", cancellationToken);
        }

        if (displayName.Trim().Length is 0 or > 200 || displayName.Any(char.IsControl))
        {
            throw await RefuseAsync(actor, "operators.add", osUser, "the display name must be 1 to 200 printable characters.", cancellationToken);
        }

        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LockAuditChainAsync(cancellationToken); // also serialises two bootstraps
        if (bootstrap && await db.Operators.AnyAsync(cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            throw await RefuseAsync(actor, "operators.add", osUser, "the registry already has operators; only an active support engineer can add more.", cancellationToken);
        }

        if (bootstrap && role != OperatorRole.SupportEngineer)
        {
            await transaction.RollbackAsync(cancellationToken);
            throw await RefuseAsync(actor, "operators.add", osUser, "the first operator must be a support engineer (--role SupportEngineer): only support engineers manage the registry.", cancellationToken);
        }

        if (await db.Operators.AnyAsync(o => o.OsUser == osUser, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            throw await RefuseAsync(actor, "operators.add", osUser, $"an operator with OS user '{osUser}' already exists.", cancellationToken);
        }

        var now = StorageTime.Normalize(_time.GetUtcNow());
        var entity = new OperatorEntity
        {
            Id = "op-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)),
            OsUser = osUser,
            DisplayName = displayName.Trim(),
            Role = role,
            Active = true,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Operators.Add(entity);
        AuditLog.Add(db, now, actor, "operators.add", entity.Id, new JsonObject { ["osUser"] = osUser, ["role"] = role.ToString(), ["bootstrap"] = bootstrap });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ToInfo(entity);
    }

    /// <summary>Activates or deactivates an operator; refuses to deactivate the last active support engineer.</summary>
    public async Task<OperatorInfo> SetActiveAsync(string actor, string osUser, bool active, CancellationToken cancellationToken)
    {
        var action = active ? "operators.activate" : "operators.deactivate";
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.LockAuditChainAsync(cancellationToken);
        var entity = await db.Operators.Include(o => o.Keys).SingleOrDefaultAsync(o => o.OsUser == osUser, cancellationToken);
        if (entity is null)
        {
            await transaction.RollbackAsync(cancellationToken);
            throw await RefuseAsync(actor, action, osUser, $"no operator has OS user '{Printable(osUser)}'.", cancellationToken);
        }

        if (!active && entity.Active && entity.Role == OperatorRole.SupportEngineer
            && !await db.Operators.AnyAsync(o => o.Id != entity.Id && o.Active && o.Role == OperatorRole.SupportEngineer, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            throw await RefuseAsync(actor, action, entity.Id, "this is the last active support engineer; add another before deactivating them, or nobody could manage the registry.", cancellationToken);
        }

        entity.Active = active;
        entity.UpdatedAt = StorageTime.Normalize(_time.GetUtcNow());
        AuditLog.Add(db, _time.GetUtcNow(), actor, action, entity.Id, new JsonObject { ["osUser"] = entity.OsUser });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ToInfo(entity);
    }

    /// <summary>Registers an SSH key fingerprint (<c>SHA256:…</c>) for an operator; a malformed one is refused and audited.</summary>
    public async Task<OperatorInfo> AddKeyAsync(string actor, string osUser, string fingerprint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        if (!SshKeyFingerprint.IsValid(fingerprint))
        {
            throw await RefuseAsync(actor, "operators.add-key", osUser, "the key fingerprint is malformed: expected SHA256: followed by 43 base64 characters, as 'ssh-keygen -lf <key>.pub' prints it.", cancellationToken);
        }

        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var entity = await db.Operators.Include(o => o.Keys).SingleOrDefaultAsync(o => o.OsUser == osUser, cancellationToken)
            ?? throw await RefuseAsync(actor, "operators.add-key", osUser, $"no operator has OS user '{Printable(osUser)}'.", cancellationToken);
        if (await db.OperatorKeys.AnyAsync(k => k.Fingerprint == fingerprint, cancellationToken))
        {
            throw await RefuseAsync(actor, "operators.add-key", entity.Id, "that key is already registered (a key belongs to one person).", cancellationToken);
        }

        entity.Keys.Add(new OperatorKeyEntity { OperatorId = entity.Id, Fingerprint = fingerprint, AddedAt = StorageTime.Normalize(_time.GetUtcNow()) });
        entity.UpdatedAt = StorageTime.Normalize(_time.GetUtcNow());
        AuditLog.Add(db, _time.GetUtcNow(), actor, "operators.add-key", entity.Id, new JsonObject { ["fingerprint"] = fingerprint });
        await db.SaveChangesAsync(cancellationToken);
        return ToInfo(entity);
    }

    /// <summary>Removes a registered key; logins with it are refused from then on.</summary>
    public async Task<OperatorInfo> RemoveKeyAsync(string actor, string osUser, string fingerprint, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var entity = await db.Operators.Include(o => o.Keys).SingleOrDefaultAsync(o => o.OsUser == osUser, cancellationToken)
            ?? throw await RefuseAsync(actor, "operators.remove-key", osUser, $"no operator has OS user '{Printable(osUser)}'.", cancellationToken);
        var key = entity.Keys.SingleOrDefault(k => k.Fingerprint == fingerprint)
            ?? throw await RefuseAsync(actor, "operators.remove-key", entity.Id, "that key is not registered to this operator.", cancellationToken);
        entity.Keys.Remove(key);
        db.OperatorKeys.Remove(key);
        entity.UpdatedAt = StorageTime.Normalize(_time.GetUtcNow());
        AuditLog.Add(db, _time.GetUtcNow(), actor, "operators.remove-key", entity.Id, new JsonObject { ["fingerprint"] = fingerprint });
        await db.SaveChangesAsync(cancellationToken);
        return ToInfo(entity);
    }

    /// <summary>Audits a refusal decided by the operator CLI's gate (unknown user, wrong role, unregistered key…).</summary>
    public async Task RecordRefusalAsync(string actor, string command, string reason, JsonObject facts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(facts);
        facts["attempted"] = command;
        facts["reason"] = reason;
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        AuditLog.Add(db, _time.GetUtcNow(), actor, AccessAudit.RefusedAction, command, facts);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Audits that an authorised operator ran <paramref name="command"/> (written before the command acts).</summary>
    public async Task RecordCommandAsync(string actor, string command, string? installationId, CancellationToken cancellationToken)
    {
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        AuditLog.Add(db, _time.GetUtcNow(), actor, "ops.command", command, new JsonObject { ["command"] = command }, installationId);
        await db.SaveChangesAsync(cancellationToken);
    }

    private Task<AccessDeniedException> RefuseAsync(string actor, string attempted, string subject, string reason, CancellationToken cancellationToken) =>
        AccessAudit.RefuseAsync(_contexts, _time, actor, attempted, Printable(subject), reason, null, cancellationToken);

    private static string Printable(string value) =>
        new([.. value.Where(c => !char.IsControl(c)).Take(64)]);

    private static OperatorInfo ToInfo(OperatorEntity e) =>
        new(e.Id, e.OsUser, e.DisplayName, e.Role, e.Active, [.. e.Keys.Select(k => k.Fingerprint).Order(StringComparer.Ordinal)], e.CreatedAt);

    [GeneratedRegex("^[a-z_][a-z0-9_.-]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex OsUserShape();
}
