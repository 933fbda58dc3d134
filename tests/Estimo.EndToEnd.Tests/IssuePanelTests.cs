using Microsoft.Playwright;
using static Estimo.EndToEnd.Tests.AppSteps;
using static Microsoft.Playwright.Assertions;

namespace Estimo.EndToEnd.Tests;

public sealed class IssuePanelTests(EndToEndFixture fixture) : IClassFixture<EndToEndFixture>
{
    private const string Issue = "EST-17";

    [Fact]
    public Task AnEstimateSavedFromTheIssuePanel_AppearsInItsEstimationHistory_ForEveryoneWhoOpensTheIssue() =>
        fixture.RunAsync(async () =>
        {
            var alice = await fixture.SignInAsync(Users.Alice, "/browse/" + Issue);
            var panel = alice.IssuePanel;
            await Expect(panel.Heading("Estimation history")).ToBeVisibleAsync();
            await Expect(panel.GetByText("This issue has not been estimated with Estimo yet.")).ToBeVisibleAsync();

            // Estimate this one issue in the panel and save.
            await panel.Button("Estimate this issue").ClickAsync();
            await Expect(panel.Heading("Planning poker · EST · Fibonacci")).ToBeVisibleAsync();
            await VoteAsync(panel, "3");
            await panel.Button("Reveal votes").ClickAsync();
            await Expect(panel.Heading("Results for " + Issue)).ToBeVisibleAsync();
            await Expect(panel.GetByLabel("Final estimate")).ToHaveValueAsync("3");
            await panel.Button("Save estimate").ClickAsync();
            await Expect(panel.GetByRole(AriaRole.Status).Filter(new() { HasText = $"Saved 3 to {Issue}." })).ToBeVisibleAsync();

            // Opening the issue again (as Alice, then as Bob) shows the entry, read from Jira.
            await alice.GotoAsync("/browse/" + Issue);
            await ExpectHistoryEntryAsync(alice.IssuePanel);
            await alice.DocumentAsync("issue-panel-history");
            var bob = await fixture.SignInAsync(Users.Bob, "/browse/" + Issue);
            await ExpectHistoryEntryAsync(bob.IssuePanel);
        });

    private static async Task ExpectHistoryEntryAsync(IFrameLocator panel)
    {
        await Expect(panel.Heading("Estimation history")).ToBeVisibleAsync();
        var rows = panel.GetByRole(AriaRole.Table).GetByRole(AriaRole.Row);
        await Expect(rows).ToHaveCountAsync(2); // the header and one record
        var cells = rows.Nth(1).GetByRole(AriaRole.Cell);
        await Expect(cells.Nth(1)).ToHaveTextAsync("3");
        await Expect(cells.Nth(2)).ToHaveTextAsync("3 ×1");
        await Expect(cells.Nth(3)).ToHaveTextAsync("1");
        await Expect(cells.Nth(4)).ToHaveTextAsync("Alice Adams");
    }
}
