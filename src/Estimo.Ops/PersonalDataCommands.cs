using System.CommandLine;
using System.Globalization;
using Estimo.Storage.PersonalData;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Ops;

/// <summary>
/// <c>estimo-ops personal-data report</c>: report every active installation's stored account ids
/// to Atlassian's personal data reporting API now (with each installation's cached system
/// token), erase closed accounts, and print one line per installation.
/// </summary>
internal static class PersonalDataCommands
{
    public static Command Create(Option<string[]> set, KeyCommands.Runner run)
    {
        var dueOnly = new Option<bool>("--due-only") { Description = "Only installations whose last report is older than PersonalData:ReportEvery." };
        var report = new Command("report", "Report stored account ids to Atlassian now and erase closed accounts.") { set, dueOnly };
        report.SetAction((parse, ct) => run(parse.GetValue(set) ?? [], async (services, token) =>
        {
            var keptFor = services.GetRequiredService<IConfiguration>().GetValue("Sessions:AbandonedAfter", TimeSpan.FromDays(90));
            var reports = await services.GetRequiredService<PersonalDataReporter>().RunAsync(!parse.GetValue(dueOnly), keptFor, token);
            foreach (var r in reports)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.InstallationId}: {r.Outcome.ToString().ToLowerInvariant()}; {r.Reported} account(s) reported, {r.Closed} closed and erased, {r.Updated} updated (nothing stored to refresh)"));
            }

            Console.WriteLine($"{reports.Count} installation(s); {reports.Count(r => r.Outcome == ReportRunOutcome.Reported)} reported.");
            if (reports.Any(r => r.Outcome is ReportRunOutcome.RateLimited or ReportRunOutcome.Unavailable or ReportRunOutcome.Rejected))
            {
                throw new OpsException("some reports failed (see above); run the command again later.");
            }
        }, ct));

        return new Command("personal-data", "Atlassian personal data reporting.") { report };
    }
}
