using System.CommandLine;
using System.Globalization;
using Estimo.Ops.Access;
using Estimo.Storage.Access;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Ops;

/// <summary>
/// <c>estimo-ops support …</c>: reading one installation's sealed data under a grant. The gate
/// validates <c>--grant</c> for <c>--installation</c> before the command runs, and the data
/// service takes only that validated grant; the read is audited for the customer to see.
/// </summary>
internal static class SupportCommands
{
    public static Command Create(Option<string[]> set, KeyCommands.Runner run)
    {
        var installation = new Option<string>("--installation") { Description = "The installation id.", Required = true };
        var grant = new Option<string>("--grant") { Description = "Your active read grant for that installation.", Required = true };
        var sessions = new Command("sessions", "List an installation's sessions: status and counts (decrypted; no votes, accounts or issue keys).") { set, installation, grant };
        sessions.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var session = OpsSession.Current;
            var list = await services.GetRequiredService<SupportDataReader>().ListSessionsAsync(session.Actor, session.Grant!, token);
            Console.WriteLine($"{list.Count} session(s) of {session.Grant!.InstallationId}:");
            foreach (var s in list)
            {
                Console.WriteLine($"{s.SessionId}  {s.Status}  {s.Mode}  created {s.CreatedAt.ToString("u", CultureInfo.InvariantCulture)}  issues {s.Issues}  participants {s.Participants}  rounds {s.Rounds}  votes {s.VotesCast}");
            }
        }, ct));

        return new Command("support", "Support access to one installation's data (needs an active grant).") { sessions };
    }
}
