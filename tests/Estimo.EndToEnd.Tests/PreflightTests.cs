using Microsoft.Playwright;
using static Estimo.EndToEnd.Tests.AppSteps;
using static Microsoft.Playwright.Assertions;

namespace Estimo.EndToEnd.Tests;

public sealed class PreflightTests(EndToEndFixture fixture) : IClassFixture<EndToEndFixture>
{
    [Fact]
    public Task CreatingASessionOnLeg_ShowsThatTheFieldIsNotOnTheEditScreen_AndHowAnAdminFixesIt_AndCreatesNothing() =>
        fixture.RunAsync(async () =>
        {
            var alice = await fixture.SignInAsync(Users.Alice, LegProjectPage);
            var app = alice.ProjectApp;
            await Expect(app.Heading("Estimo planning poker · LEG")).ToBeVisibleAsync();
            await FillNewSessionAsync(app, "Sprint", "LEG-1");
            await app.Button("Start session").ClickAsync();

            var report = app.GetByRole(AriaRole.Alert).Filter(new() { Has = app.Heading("1 problem would stop estimates from being saved") });
            await Expect(report).ToBeVisibleAsync();
            await Expect(report).ToContainTextAsync("The Story Points field is not on the edit screen of LEG-1");
            await Expect(report).ToContainTextAsync("Fix: Add the Story Points field to the Edit screen of project LEG.");
            await Expect(app.GetByText("Some issues cannot be estimated yet. See the problems below.")).ToBeVisibleAsync();
            await alice.DocumentAsync("preflight-problem");

            // Starting again without leaving the issue out is refused, and no session exists.
            await app.Button("Start session").ClickAsync();
            await Expect(app.GetByText("Resolve the problems below, or leave out the affected issues.")).ToBeVisibleAsync();
            await Expect(app.Heading("Planning poker")).ToHaveCountAsync(0);
            await app.Button("Refresh").ClickAsync();
            await Expect(app.GetByText("No active sessions in LEG. Start one below.")).ToBeVisibleAsync();
        });
}
