using System.CommandLine;
using System.Globalization;
using Estimo.Ops.Access;
using Estimo.Storage.Access;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Ops;

/// <summary><c>estimo-ops grants …</c>: support access grants (request, approve, revoke, list). All audited.</summary>
internal static class GrantCommands
{
    public static Command Create(Option<string[]> set, KeyCommands.Runner run)
    {
        var installation = new Option<string>("--installation") { Description = "The installation id.", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why access is needed (shown to the customer's site admins; no customer content).", Required = true };
        var ticket = new Option<string>("--ticket") { Description = "The support ticket reference, e.g. SUP-1234.", Required = true };
        var scope = new Option<GrantScope>("--scope") { Description = "read or purge.", Required = true };
        var hours = new Option<int?>("--hours") { Description = "How long the grant lasts (default 4, at most 24)." };
        hours.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1 or > 24)
            {
                result.AddError("--hours must be between 1 and 24.");
            }
        });
        var request = new Command("request", "Request a grant to one installation's data.") { set, installation, reason, ticket, scope, hours };
        request.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var session = OpsSession.Current;
            var grants = services.GetRequiredService<SupportGrants>();
            var duration = parse.GetValue(hours) is { } h ? TimeSpan.FromHours(h) : (TimeSpan?)null;
            var grant = await grants.RequestAsync(session.Actor, session.Operator!, parse.GetValue(installation)!, parse.GetValue(reason)!, parse.GetValue(ticket)!, parse.GetValue(scope), duration, token);
            Console.WriteLine($"Grant {grant.Id}: {grant.Scope.ToString().ToLowerInvariant()} on {grant.InstallationId} until {grant.ExpiresAt.ToString("u", CultureInfo.InvariantCulture)}"
                + (grant.RequiresApproval ? "; awaiting approval by a second support engineer ('estimo-ops grants approve " + grant.Id + "')." : "; active now."));
        }, ct));

        var grantId = new Argument<string>("grant-id") { Description = "The grant (grant-…)." };
        var approve = new Command("approve", "Approve another support engineer's grant (two-person rule).") { set, grantId };
        approve.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var session = OpsSession.Current;
            var grant = await services.GetRequiredService<SupportGrants>().ApproveAsync(session.Actor, session.Operator!, parse.GetValue(grantId)!, token);
            Console.WriteLine($"Approved grant {grant.Id}; active until {grant.ExpiresAt.ToString("u", CultureInfo.InvariantCulture)}.");
        }, ct));

        var revoke = new Command("revoke", "Revoke a grant at once.") { set, grantId };
        revoke.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var session = OpsSession.Current;
            var grant = await services.GetRequiredService<SupportGrants>().RevokeAsync(session.Actor, session.Operator!, parse.GetValue(grantId)!, token);
            Console.WriteLine($"Revoked grant {grant.Id}.");
        }, ct));

        var filter = new Option<string>("--installation") { Description = "Only this installation's grants." };
        var list = new Command("list", "List grants, newest first, with their state.") { set, filter };
        list.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
            foreach (var g in await services.GetRequiredService<SupportGrants>().ListAsync(parse.GetValue(filter), token))
            {
                Console.WriteLine($"{g.Id}  {g.StateAt(now)}  {g.Scope.ToString().ToLowerInvariant()}  {g.InstallationId}  {g.OperatorId}  {g.Ticket}  expires {g.ExpiresAt.ToString("u", CultureInfo.InvariantCulture)}");
            }
        }, ct));

        return new Command("grants", "Support access grants: time-boxed access to one installation's data.") { request, approve, revoke, list };
    }
}
