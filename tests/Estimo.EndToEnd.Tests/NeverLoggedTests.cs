using System.Collections.Concurrent;
using Microsoft.Playwright;
using static Estimo.EndToEnd.Tests.AppSteps;
using static Microsoft.Playwright.Assertions;

namespace Estimo.EndToEnd.Tests;

/// <summary>
/// The never-logged list, end to end: every token the browser really sent the remote, and the
/// Jira content the user really saw, are canaries that must not appear in any remote log.
/// </summary>
public sealed class NeverLoggedTests(EndToEndFixture fixture) : IClassFixture<EndToEndFixture>
{
    [Fact]
    public Task ABrowserSession_LeavesNoTokenNameEmailOrIssueTextInTheRemotesLogs() =>
        fixture.RunAsync(async () =>
        {
            var stack = fixture.Stack;
            var alice = await fixture.SignInAsync(Users.Alice, EstProjectPage);
            var tokens = new ConcurrentBag<string>();
            var reads = new ConcurrentBag<Task>();
            alice.Page.Request += (_, request) =>
            {
                if (request.Url.StartsWith(stack.RemoteUrl + "/", StringComparison.Ordinal))
                {
                    reads.Add(CollectBearerAsync(request, tokens));
                }
            };

            var app = alice.ProjectApp;
            await app.Button("Refresh").ClickAsync();
            await FillNewSessionAsync(app, "Backlog", "EST-12");
            await app.GetByRole(AriaRole.Checkbox, new() { Name = "Reveal automatically when everyone has voted" }).UncheckAsync();
            await app.Button("Start session").ClickAsync();
            await Expect(app.Heading("Planning poker · EST")).ToBeVisibleAsync();
            await Expect(app.GetByText("Timer for each voting round").First).ToBeVisibleAsync();
            await VoteAsync(app, "8");
            await Task.WhenAll(reads);

            Assert.NotEmpty(tokens);
            string[] jiraContent = ["Timer for each voting round", "Alice Adams", "alice@estimo.example"];
            var logDirectory = Path.Combine(stack.WorkDirectory, "logs");
            var logs = await ReadRemoteLogsAsync(logDirectory);
            Assert.Contains("/api/sessions", logs, StringComparison.Ordinal);
            foreach (var token in tokens.Distinct())
            {
                foreach (var part in token.Split('.').Where(p => p.Length >= 16))
                {
                    Assert.DoesNotContain(part, logs, StringComparison.Ordinal);
                }
            }

            foreach (var text in jiraContent)
            {
                Assert.DoesNotContain(text, logs, StringComparison.OrdinalIgnoreCase);
            }
        });

    private static async Task CollectBearerAsync(IRequest request, ConcurrentBag<string> tokens)
    {
        var headers = await request.AllHeadersAsync();
        if (headers.TryGetValue("authorization", out var value) && value.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            tokens.Add(value["Bearer ".Length..]);
        }
    }

    /// <summary>The remote's console output and its rolling log file, once the request log has caught up.</summary>
    private static async Task<string> ReadRemoteLogsAsync(string directory)
    {
        var text = string.Empty;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var parts = new List<string>();
            foreach (var file in Directory.EnumerateFiles(directory, "remote*"))
            {
                await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                parts.Add(await reader.ReadToEndAsync());
            }

            text = string.Join('\n', parts);
            if (text.Contains("/api/sessions/{sessionId}/votes", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(100);
        }

        return text;
    }
}
