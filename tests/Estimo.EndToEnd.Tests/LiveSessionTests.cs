using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static Estimo.EndToEnd.Tests.AppSteps;
using static Microsoft.Playwright.Assertions;

namespace Estimo.EndToEnd.Tests;

public sealed class LiveSessionTests(EndToEndFixture fixture) : IClassFixture<EndToEndFixture>
{
    private const string Issue = "EST-12";

    [Fact]
    public Task FacilitatorAndVoters_EstimateTogetherInTwoRounds_OthersVotesStayHiddenUntilReveal_AndTheSavedEstimateLandsInJira() =>
        fixture.RunAsync(async () =>
        {
            var stack = fixture.Stack;

            // Alice (facilitator) creates a live session on one backlog issue, without auto-reveal.
            var alice = await fixture.SignInAsync(Users.Alice, EstProjectPage);
            var aliceApp = alice.ProjectApp;
            await Expect(aliceApp.Heading("Estimo planning poker · EST")).ToBeVisibleAsync();
            await Expect(aliceApp.GetByText("No active sessions in EST. Start one below.")).ToBeVisibleAsync();
            await alice.DocumentAsync("project-page");
            await FillNewSessionAsync(aliceApp, "Backlog", Issue);
            await aliceApp.GetByRole(AriaRole.Checkbox, new() { Name = "Reveal automatically when everyone has voted" }).UncheckAsync();
            await aliceApp.Button("Start session").ClickAsync();
            await Expect(aliceApp.Heading("Planning poker · EST · Fibonacci")).ToBeVisibleAsync();
            await Expect(aliceApp.Heading("Facilitator controls")).ToBeVisibleAsync();

            // Bob and Erin join as voters, Carol (browse only) as observer, from the active sessions list.
            var bob = await fixture.SignInAsync(Users.Bob, EstProjectPage);
            var bobBodies = RecordSessionViews(bob, stack);
            var erin = await fixture.SignInAsync(Users.Erin, EstProjectPage);
            var carol = await fixture.SignInAsync(Users.Carol, EstProjectPage);
            foreach (var (user, role) in new[] { (bob, "Join as voter"), (erin, "Join as voter"), (carol, "Join as observer") })
            {
                await Expect(user.ProjectApp.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "Alice Adams" })).ToContainTextAsync("Live · 1 issue");
                await user.ProjectApp.Button(role).ClickAsync();
                await Expect(user.ProjectApp.Heading("Planning poker · EST · Fibonacci")).ToBeVisibleAsync();
            }
            await Expect(carol.ProjectApp.GetByText("You are observing; observers do not vote.")).ToBeVisibleAsync();
            await Expect(carol.ProjectApp.Button("Vote 5")).ToHaveCountAsync(0);
            await Expect(bob.ProjectApp.Heading("Facilitator controls")).ToHaveCountAsync(0);
            await Expect(aliceApp.Heading("Participants")).ToHaveAccessibleNameAsync("Participants (0 of 3 voted)");

            // Round 1: everyone votes differently.
            await VoteAsync(aliceApp, "8");
            await VoteAsync(bob.ProjectApp, "5");
            await VoteAsync(erin.ProjectApp, "13");
            foreach (var user in new[] { alice, bob, erin, carol })
            {
                await Expect(user.ProjectApp.Heading("Participants")).ToHaveAccessibleNameAsync("Participants (3 of 3 voted)");
            }

            // Before reveal Bob sees who voted, never what: no results, no other card in the participants.
            var bobParticipants = bob.ProjectApp.Locator("section").Filter(new() { Has = bob.ProjectApp.Heading("Participants") });
            await Expect(bobParticipants.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "Erin Evans" })).ToContainTextAsync("Voted");
            await Expect(bobParticipants).Not.ToContainTextAsync("13");
            await Expect(bobParticipants).Not.ToContainTextAsync("8");
            await Expect(bob.ProjectApp.Heading("Results for")).ToHaveCountAsync(0);
            await Expect(bob.ProjectApp.GetByRole(AriaRole.Table)).ToHaveCountAsync(0);
            await bob.DocumentAsync("room-before-reveal");
            // …and no response the remote sent to Bob's browser carried another participant's card.
            var beforeReveal = await bobBodies.SnapshotAsync();
            AssertNoForeignVotesBeforeReveal(beforeReveal, Users.Bob);
            Assert.Contains(beforeReveal, view => HasUnrevealedVoteBy(view, Users.Erin));

            // Alice reveals: every participant sees every vote and the statistics.
            await aliceApp.Button("Reveal votes").ClickAsync();
            foreach (var user in new[] { alice, bob, erin, carol })
            {
                var app = user.ProjectApp;
                await Expect(app.Heading("Results for " + Issue)).ToBeVisibleAsync();
                await Expect(VoteRow(app, "Alice Adams").GetByRole(AriaRole.Cell).Nth(1)).ToHaveTextAsync("8");
                await Expect(VoteRow(app, "Bob Baker").GetByRole(AriaRole.Cell).Nth(1)).ToHaveTextAsync("5");
                await Expect(VoteRow(app, "Erin Evans").GetByRole(AriaRole.Cell).Nth(1)).ToHaveTextAsync("13");
                await Expect(StatValue(app, "Votes")).ToHaveTextAsync("3");
                await Expect(StatValue(app, "Average")).ToHaveTextAsync("8.7");
                await Expect(StatValue(app, "Median")).ToHaveTextAsync("8");
                await Expect(StatValue(app, "Spread")).ToHaveTextAsync("5 – 13 (2 cards apart)");
                await Expect(StatValue(app, "Agreement")).ToHaveTextAsync("No consensus");
            }
            await Expect(bob.ProjectApp.Button("Save estimate")).ToHaveCountAsync(0);
            await alice.DocumentAsync("room-after-reveal");

            // Re-vote: a new round with fresh cards; this time they agree.
            await aliceApp.Button("Re-vote").ClickAsync();
            foreach (var user in new[] { alice, bob, erin })
            {
                await Expect(user.ProjectApp.Heading("Results for")).ToHaveCountAsync(0);
                await Expect(user.ProjectApp.Button("Vote 5")).ToHaveAttributeAsync("aria-pressed", "false");
            }
            await VoteAsync(aliceApp, "5");
            await VoteAsync(bob.ProjectApp, "5");
            await VoteAsync(erin.ProjectApp, "5");
            await Expect(aliceApp.Heading("Participants")).ToHaveAccessibleNameAsync("Participants (3 of 3 voted)");
            await aliceApp.Button("Reveal votes").ClickAsync();
            foreach (var user in new[] { alice, bob, erin, carol })
            {
                await Expect(StatValue(user.ProjectApp, "Agreement")).ToHaveTextAsync("Consensus");
                await Expect(user.ProjectApp.GetByText("Suggested estimate:")).ToContainTextAsync("5");
            }

            // Alice saves the suggested estimate.
            await Expect(aliceApp.GetByLabel("Final estimate")).ToHaveValueAsync("5");
            await aliceApp.Button("Save estimate").ClickAsync();
            await Expect(aliceApp.GetByRole(AriaRole.Status).Filter(new() { HasText = $"Saved 5 to {Issue}." })).ToBeVisibleAsync();
            await Expect(bob.ProjectApp.GetByText("Accepted estimate:")).ToContainTextAsync("5");

            // Jira, asked directly as Alice, has the value and the history record.
            var issue = await stack.JiraGetAsync(Users.Alice, $"/rest/api/3/issue/{Issue}?fields=customfield_10016");
            Assert.Equal(5d, issue?["fields"]?["customfield_10016"]?.GetValue<double>());
            var property = await stack.JiraGetAsync(Users.Alice, $"/rest/api/3/issue/{Issue}/properties/estimo.estimations");
            var records = property?["value"]?["records"]?.AsArray();
            Assert.NotNull(records);
            var record = Assert.Single(records);
            Assert.Equal("5", record?["finalLabel"]?.GetValue<string>());
            Assert.Equal(5d, record?["finalValue"]?.GetValue<double>());
            Assert.Equal(2, record?["roundCount"]?.GetValue<int>());
            var participants = record?["participantAccountIds"]?.AsArray().Select(p => p?.GetValue<string>()).ToList();
            Assert.NotNull(participants);
            Assert.Contains(Users.Alice, participants);
            Assert.Contains(Users.Bob, participants);
            Assert.Contains(Users.Erin, participants);
        });

    private static ILocator StatValue(IFrameLocator app, string label) =>
        app.Locator(".stats__row").Filter(new() { Has = app.GetByRole(AriaRole.Term).GetByText(label, new() { Exact = true }) }).GetByRole(AriaRole.Definition);

    /// <summary>Every session view (JSON) the remote or the simulator's invoke relay sent to this user's browser.</summary>
    private static ResponseLog RecordSessionViews(UserSession user, EstimoProcesses stack)
    {
        var log = new ResponseLog();
        user.Page.Response += (_, response) =>
        {
            var fromRemote = response.Url.StartsWith(stack.RemoteUrl + "/", StringComparison.Ordinal);
            var fromInvoke = response.Url.StartsWith(stack.SimUrl + "/__sim/bridge/invoke", StringComparison.Ordinal);
            if ((fromRemote || fromInvoke) && response.Request.Method != "OPTIONS")
            {
                log.Track(response);
            }
        };
        return log;
    }

    private static void AssertNoForeignVotesBeforeReveal(IReadOnlyList<JsonNode> views, string viewer)
    {
        Assert.NotEmpty(views);
        foreach (var view in views)
        {
            foreach (var round in Rounds(view))
            {
                if (round["isRevealed"]?.GetValue<bool>() == true)
                {
                    continue;
                }
                Assert.True(round["statistics"] is null, $"An unrevealed round carried statistics: {round.ToJsonString()}");
                foreach (var vote in round["votes"]?.AsArray() ?? [])
                {
                    if (vote?["accountId"]?.GetValue<string>() != viewer)
                    {
                        Assert.True(vote?["label"] is null, $"The remote sent {viewer} another participant's card before reveal: {vote?.ToJsonString()}");
                    }
                }
            }
        }
    }

    private static bool HasUnrevealedVoteBy(JsonNode view, string accountId) =>
        Rounds(view).Any(r => r["isRevealed"]?.GetValue<bool>() == false
            && (r["votes"]?.AsArray() ?? []).Any(v => v?["accountId"]?.GetValue<string>() == accountId));

    /// <summary>The rounds of every issue of every SessionView found anywhere in the JSON.</summary>
    private static IEnumerable<JsonObject> Rounds(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["rounds"] is JsonArray rounds)
                {
                    foreach (var round in rounds.OfType<JsonObject>())
                    {
                        yield return round;
                    }
                }
                foreach (var (_, child) in obj)
                {
                    foreach (var round in Rounds(child))
                    {
                        yield return round;
                    }
                }
                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    foreach (var round in Rounds(child))
                    {
                        yield return round;
                    }
                }
                break;
        }
    }
}

/// <summary>Response bodies collected from Playwright's Response events, parsed as JSON.</summary>
public sealed class ResponseLog
{
    private readonly List<Task<JsonNode?>> _pending = [];
    private readonly Lock _gate = new();

    public void Track(IResponse response)
    {
        lock (_gate)
        {
            _pending.Add(ReadAsync(response));
        }
    }

    /// <summary>The JSON bodies received so far (waits for bodies still being read).</summary>
    public async Task<IReadOnlyList<JsonNode>> SnapshotAsync()
    {
        Task<JsonNode?>[] tasks;
        lock (_gate)
        {
            tasks = [.. _pending];
        }
        try
        {
            await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // Judge what has arrived; a body that never came cannot have leaked anything to the page.
        }
        return tasks.Where(t => t.IsCompletedSuccessfully && t.Result is not null).Select(t => t.Result!).ToList();
    }

    private static async Task<JsonNode?> ReadAsync(IResponse response)
    {
        try
        {
            var text = await response.TextAsync();
            return string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text);
        }
        catch (PlaywrightException)
        {
            return null; // No body (204, redirect) or the page moved on.
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
