using System.Data.Common;
using System.Text.Json.Nodes;
using Estimo.Storage.Access;
using Estimo.Storage.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Ops.Access;

/// <summary>What the gate established for the running command.</summary>
/// <param name="Actor">The audit actor string (the OS user).</param>
/// <param name="Operator">The authenticated operator; null only for the root bootstrap.</param>
/// <param name="Grant">The validated grant, for commands that need one.</param>
/// <param name="AuditActor">The identity stamped on the command's audit records.</param>
internal sealed record OpsSession(string Actor, OperatorInfo? Operator, ValidatedGrant? Grant, AuditActor? AuditActor)
{
    private static readonly AsyncLocal<OpsSession?> CurrentSession = new();

    public static OpsSession Current => CurrentSession.Value ?? throw new InvalidOperationException("The command ran without passing the access gate.");

    public bool IsBootstrap => Operator is null;

    /// <summary>
    /// Makes this session (and its audit identity) current for the rest of the caller's flow.
    /// Synchronous on purpose: values set inside an async method do not flow back to its caller.
    /// </summary>
    public IDisposable Enter()
    {
        var audit = AuditActor is null ? null : AuditContext.Use(AuditActor);
        CurrentSession.Value = this;
        return new Exit(audit);
    }

    private sealed class Exit(IDisposable? audit) : IDisposable
    {
        public void Dispose()
        {
            CurrentSession.Value = null;
            audit?.Dispose();
        }
    }
}

/// <summary>
/// The one place that decides whether the caller may run a command: the OS user must be an
/// active operator in the registry with the role the command needs; inside SSH, the key sshd
/// authenticated must be registered to that operator; commands on tenant data need an active
/// grant. Refusals are one line and audited where an identity is known. On success, the
/// operator becomes the ambient <see cref="AuditContext"/> so every audit record the command
/// writes names them and their SSH key.
/// </summary>
internal static class AccessGate
{
    /// <summary>Authorises <paramref name="command"/>; the caller enters the returned session.</summary>
    /// <exception cref="AccessDeniedException">The caller may not run it.</exception>
    public static async Task<OpsSession> AuthorizeAsync(IServiceProvider services, Caller caller, string command, Requirement requirement, Func<string, string?> option, CancellationToken cancellationToken)
    {
        var registry = services.GetRequiredService<OperatorRegistry>();
        bool empty;
        var registryExists = true;
        try
        {
            empty = await registry.IsEmptyAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is DbException || ex.InnerException is DbException)
        {
            // No operators table yet: the database has not been migrated.
            empty = true;
            registryExists = false;
        }

        if (empty)
        {
            if (requirement.Bootstrap && caller.IsRoot)
            {
                return new OpsSession(caller.OsUser, null, null, null);
            }

            throw await RefuseAsync(services, caller, null, command, registryExists,
                "no operator is registered yet: as root on the deployment host, run 'estimo-ops migrate', then 'estimo-ops operators add --os-user <you> --name <name> --role SupportEngineer' (see docs/access.md).",
                cancellationToken);
        }

        var op = await registry.FindByOsUserAsync(caller.OsUser, cancellationToken);
        if (op is null)
        {
            throw await RefuseAsync(services, caller, null, command, true, $"OS user '{caller.OsUser}' is not a registered operator.", cancellationToken);
        }

        var actor = new AuditActor(op.Id, caller.SshKeyFingerprint);
        using (AuditContext.Use(actor))
        {
            var problem =
                !op.Active ? $"operator {op.Id} ({caller.OsUser}) is deactivated."
                : caller.InSsh && caller.SshKeyFingerprint is null ? "this SSH session did not expose its public key (the support host's sshd needs 'ExposeAuthInfo yes'); refusing, because every action must name the key used."
                : caller.InSsh && !op.Fingerprints.Contains(caller.SshKeyFingerprint!, StringComparer.Ordinal) ? $"the SSH key {caller.SshKeyFingerprint} is not registered to operator {op.Id}."
                : requirement.Need != Need.Developer && op.Role != OperatorRole.SupportEngineer ? $"'{command}' needs the SupportEngineer role; operator {op.Id} is a {op.Role}."
                : null;
            if (problem is not null)
            {
                throw await RefuseAsync(services, caller, op, command, true, problem, cancellationToken);
            }

            ValidatedGrant? grant = null;
            if (requirement.Need == Need.Grant)
            {
                var installation = option("--installation") ?? throw new AccessDeniedException($"'{command}' needs --installation.");
                var grantId = option("--grant") ?? throw await RefuseAsync(services, caller, op, command, true, $"'{command}' reads tenant data and needs --grant <id> (request one with 'estimo-ops grants request').", cancellationToken);
                grant = await services.GetRequiredService<SupportGrants>().ValidateAsync(caller.OsUser, op, grantId, installation, requirement.Scope!.Value, cancellationToken);
            }

            await registry.RecordCommandAsync(caller.OsUser, command, grant?.InstallationId, cancellationToken);
            return new OpsSession(caller.OsUser, op, grant, actor);
        }
    }

    private static async Task<AccessDeniedException> RefuseAsync(IServiceProvider services, Caller caller, OperatorInfo? op, string command, bool canAudit, string reason, CancellationToken cancellationToken)
    {
        if (canAudit)
        {
            await services.GetRequiredService<OperatorRegistry>().RecordRefusalAsync(caller.OsUser, command, reason, new JsonObject
            {
                ["registered"] = op is not null,
                ["ssh"] = caller.InSsh,
            }, cancellationToken);
        }

        return new AccessDeniedException(reason);
    }
}
