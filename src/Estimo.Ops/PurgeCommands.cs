using System.CommandLine;
using Estimo.Storage.Installations;
using Estimo.Storage.Lifecycle;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Ops;

/// <summary>
/// <c>estimo-ops purge installation &lt;id&gt; --reason "…"</c>: purge one installation's data now
/// (shred its data keys, delete its rows, leave a tombstone; audited with the operator and the
/// reason). Safe to rerun: a rerun repeats only the purge listeners.
/// </summary>
internal static class PurgeCommands
{
    public static Command Create(Option<string[]> set, KeyCommands.Runner run)
    {
        var installation = new Argument<string>("installation-id") { Description = "The installation to purge." };
        var reason = new Option<string>("--reason") { Description = "Why (kept in the audit record; at most 200 characters).", Required = true };
        reason.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(text) || text.Length > 200)
            {
                result.AddError("--reason must be 1 to 200 characters.");
            }
        });

        var purgeInstallation = new Command("installation", "Purge an installation now: shred its data keys and delete every row it owns (cannot be undone).") { set, installation, reason };
        purgeInstallation.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var id = parse.GetValue(installation)!;
            try
            {
                var result = await services.GetRequiredService<InstallationPurger>().PurgeAsync(id, PurgeReason.Operator, Actor, parse.GetValue(reason), token);
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

    /// <summary>The OS user running the command, as the audit record's actor.</summary>
    internal static string Actor => Environment.UserName;
}
