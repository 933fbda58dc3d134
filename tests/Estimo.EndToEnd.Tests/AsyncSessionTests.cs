using System.Globalization;
using Microsoft.Playwright;
using static Estimo.EndToEnd.Tests.AppSteps;
using static Microsoft.Playwright.Assertions;

namespace Estimo.EndToEnd.Tests;

public sealed class AsyncSessionTests(EndToEndFixture fixture) : IClassFixture<EndToEndFixture>
{
    /// <summary>Long enough for two users to join and cast four votes on a busy CI machine.</summary>
    private static readonly TimeSpan MinVotingWindow = TimeSpan.FromSeconds(25);

    /// <summary>The deadline field takes whole minutes: the first minute at least <see cref="MinVotingWindow"/> away.</summary>
    private static DateTime NextDeadline()
    {
        var earliest = DateTime.UtcNow + MinVotingWindow;
        var minute = new DateTime(earliest.Year, earliest.Month, earliest.Day, earliest.Hour, earliest.Minute, 0, DateTimeKind.Utc);
        return minute < earliest ? minute.AddMinutes(1) : minute;
    }

    [Fact]
    public Task AsyncVotes_AreRevealedWhenTheDeadlinePasses_AndTheFacilitatorCanThenSave() =>
        fixture.RunAsync(async () =>
        {
            var alice = await fixture.SignInAsync(Users.Alice, EstProjectPage);
            var bob = await fixture.SignInAsync(Users.Bob, EstProjectPage);
            var aliceApp = alice.ProjectApp;
            await FillNewSessionAsync(aliceApp, "Backlog", "EST-15", "EST-16");
            await aliceApp.GetByRole(AriaRole.Radio, new() { Name = "Async (vote until a deadline)" }).CheckAsync();
            // The browser contexts run in UTC, so the local deadline is the UTC one.
            var deadline = NextDeadline();
            await aliceApp.GetByLabel("Deadline", new() { Exact = true }).FillAsync(deadline.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture));
            await aliceApp.Button("Start session").ClickAsync();
            await Expect(aliceApp.Heading("Async estimation · EST · Fibonacci")).ToBeVisibleAsync();
            await Expect(aliceApp.GetByText("Voting closes:")).ToBeVisibleAsync();

            var bobApp = bob.ProjectApp;
            await bobApp.Button("Refresh").ClickAsync();
            await Expect(bobApp.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "Alice Adams" })).ToContainTextAsync("Async · 2 issues");
            await bobApp.Button("Join as voter").ClickAsync();
            await Expect(bobApp.Heading("Async estimation · EST · Fibonacci")).ToBeVisibleAsync();

            // Each votes on each issue, in any order, before the deadline.
            await AsyncVoteAsync(aliceApp, "EST-15", "5");
            await AsyncVoteAsync(aliceApp, "EST-16", "8");
            await AsyncVoteAsync(bobApp, "EST-16", "8");
            await AsyncVoteAsync(bobApp, "EST-15", "3");
            Assert.True(DateTime.UtcNow < deadline, $"The votes took longer than the voting window (deadline {deadline:O}); the test cannot judge the deadline.");
            await Expect(aliceApp.Heading("Results for")).ToHaveCountAsync(0);

            // At the deadline the remote closes voting and reveals every round; both rooms follow.
            var afterDeadline = new LocatorAssertionsToBeVisibleOptions { Timeout = (float)(deadline - DateTime.UtcNow + TimeSpan.FromSeconds(30)).TotalMilliseconds };
            foreach (var app in new[] { aliceApp, bobApp })
            {
                await Expect(app.Heading("Results for EST-15")).ToBeVisibleAsync(afterDeadline);
                await Expect(app.GetByText("Voting closed:")).ToBeVisibleAsync();
                await Expect(VoteRow(app, "Alice Adams").GetByRole(AriaRole.Cell).Nth(1)).ToHaveTextAsync("5");
                await Expect(VoteRow(app, "Bob Baker").GetByRole(AriaRole.Cell).Nth(1)).ToHaveTextAsync("3");
            }
            Assert.True(DateTime.UtcNow >= deadline.AddSeconds(-1), "The votes were revealed before the deadline.");
            await Expect(bobApp.Button("Save estimate")).ToHaveCountAsync(0);

            // Median 4 lies between 3 and 5; the suggestion is the higher card.
            await Expect(aliceApp.GetByLabel("Final estimate")).ToHaveValueAsync("5");
            await aliceApp.Button("Save estimate").ClickAsync();
            await Expect(aliceApp.GetByRole(AriaRole.Status).Filter(new() { HasText = "Saved 5 to EST-15." })).ToBeVisibleAsync();
            var issue = await fixture.Stack.JiraGetAsync(Users.Alice, "/rest/api/3/issue/EST-15?fields=customfield_10016");
            Assert.Equal(5d, issue?["fields"]?["customfield_10016"]?.GetValue<double>());
        });

    private static async Task AsyncVoteAsync(IFrameLocator app, string issueKey, string label)
    {
        var card = app.Button($"Vote {label} for {issueKey}");
        await card.ClickAsync();
        await Expect(card).ToHaveAttributeAsync("aria-pressed", "true");
        var item = app.GetByRole(AriaRole.Listitem).Filter(new() { Has = app.GetByRole(AriaRole.Heading, new() { NameRegex = new System.Text.RegularExpressions.Regex("^" + issueKey + "\\b") }) });
        await Expect(item).ToContainTextAsync($"Your vote: {label}");
    }
}
