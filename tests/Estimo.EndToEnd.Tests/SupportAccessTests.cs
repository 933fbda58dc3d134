using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Estimo.EndToEnd.Tests;

/// <summary>
/// Access transparency end to end: a support engineer reads the site's data through the real
/// operator CLI under a grant; Alice, a site admin, sees that access (when, pseudonymous
/// operator, reason, ticket, what) on the app's admin page in Chromium; Bob, who is not a site
/// admin, gets neither the link nor the page.
/// </summary>
public sealed class SupportAccessTests(EndToEndFixture fixture) : IClassFixture<EndToEndFixture>
{
    private const string AdminPagePath = "/jira/settings/apps/estimo-admin-page";

    [Fact]
    public Task ASupportReadThroughTheCli_IsShownToTheSiteAdmin_AndNotToOthers() =>
        fixture.RunAsync(async () =>
        {
            var stack = fixture.Stack;
            var state = await stack.Sim.GetFromJsonAsync<JsonNode>(new Uri("/__sim/state", UriKind.Relative));
            var installation = state!["installationId"]!.GetValue<string>();
            await MustAsync(stack.OpsAsync("operators", "add", "--os-user", Environment.UserName, "--name", "E2E Support", "--role", "SupportEngineer"));
            var request = await MustAsync(stack.OpsAsync("grants", "request", "--installation", installation, "--reason", "Customer reports a stuck session", "--ticket", "SUP-4242", "--scope", "Read"));
            var grantId = request.Split(' ', ':')[1];
            var read = await MustAsync(stack.OpsAsync("support", "sessions", "--installation", installation, "--grant", grantId));
            var operatorId = (await MustAsync(stack.OpsAsync("operators", "list"))).Split(' ')[0];
            Assert.Contains("session(s) of " + installation, read, StringComparison.Ordinal);
            Assert.StartsWith("op-", operatorId, StringComparison.Ordinal);

            var alice = await fixture.SignInAsync(Users.Alice, "/");
            await alice.Page.GetByRole(AriaRole.Navigation, new() { Name = "Apps administration" }).GetByRole(AriaRole.Link, new() { Name = "Estimo" }).ClickAsync();
            var app = alice.Page.FrameLocator("iframe[title='Estimo']");
            await Expect(app.GetByRole(AriaRole.Heading, new() { Name = "Support access" })).ToBeVisibleAsync();
            var table = app.GetByRole(AriaRole.Table, new() { Name = "Support accesses, newest first" });
            var readRow = table.GetByRole(AriaRole.Row).Filter(new() { HasText = "Data read" });
            await Expect(readRow).ToHaveCountAsync(1);
            await Expect(readRow).ToContainTextAsync(operatorId);
            await Expect(readRow).ToContainTextAsync("Customer reports a stuck session");
            await Expect(readRow).ToContainTextAsync("SUP-4242");
            await Expect(readRow).ToContainTextAsync("listed");
            await Expect(table.GetByRole(AriaRole.Row).Filter(new() { HasText = "Access requested" })).ToHaveCountAsync(1);
            await Expect(table).Not.ToContainTextAsync(Environment.UserName + " ");
            await alice.DocumentAsync("admin-support-access");

            var bob = await fixture.SignInAsync(Users.Bob, "/");
            await Expect(bob.Page.GetByRole(AriaRole.Navigation, new() { Name = "Apps administration" })).ToHaveCountAsync(0);
            await bob.GotoAsync(AdminPagePath);
            await Expect(bob.Page.GetByRole(AriaRole.Heading, new() { Name = "Access denied" })).ToBeVisibleAsync();
            await Expect(bob.Page.Locator("iframe")).ToHaveCountAsync(0);
        });

    private static async Task<string> MustAsync(Task<(int ExitCode, string Output, string Error)> run)
    {
        var (exitCode, output, error) = await run;
        Assert.True(exitCode == 0, $"estimo-ops failed ({exitCode}): {error}");
        return output;
    }
}
