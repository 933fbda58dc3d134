using System.CommandLine;
using Estimo.Ops.Access;
using Estimo.Storage.Installations;
using Estimo.Storage.Lifecycle;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Ops;

/// <summary>
/// <c>estimo-ops purge installation --installation &lt;id&gt; --grant &lt;id&gt;</c>: purge one
/// installation's data now (shred its data keys, delete its rows, leave a tombstone). The access
/// gate has checked that the grant is an active purge grant of this operator for that
/// installation; the audit record names the grant and its ticket. Safe to rerun: a rerun
/// repeats only the purge listeners.
/// </summary>
internal static class PurgeCommands
{
    public static Command Create(Option<string[]> set, KeyCommands.Runner run)
    {
        var installation = new Option<string>("--installation") { Description = "The installation to purge.", Required = true };
        var grant = new Option<string>("--grant") { Description = "Your active purge grant for that installation (its id and ticket go in the audit record).", Required = true };

        var purgeInstallation = new Command("installation", "Purge an installation now: shred its data keys and delete every row it owns (cannot be undone).") { set, installation, grant };
        purgeInstallation.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var session = OpsSession.Current;
            var id = session.Grant!.InstallationId;
            try
            {
                var result = await services.GetRequiredService<InstallationPurger>().PurgeAsync(id, PurgeReason.Operator, session.Actor, $"grant {session.Grant.GrantId}, ticket {session.Grant.Ticket}", token);
                Console.WriteLine(result.AlreadyPurged
                    ? $"Installation {id} was already purged; nothing left to delete (listeners notified again)."
                    : $"Purged installation {id}: {result.Sessions} session(s), {result.Accounts} account id(s), {result.SystemTokens} system token(s), {result.DataKeys} data key version(s) destroyed.");
            }
            catch (UnknownInstallationException)
            {
                throw new OpsException($"No installation '{id}' (and none by that id was ever purged).");
            }
            catch (PurgeListenerException ex)
            {
                throw new OpsException(ex.Message);
            }
        }, ct));

        return new Command("purge", "Delete tenant data (audited).") { purgeInstallation };
    }
}
