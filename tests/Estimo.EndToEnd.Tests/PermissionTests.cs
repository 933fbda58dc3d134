using Microsoft.Playwright;
using static Estimo.EndToEnd.Tests.AppSteps;
using static Microsoft.Playwright.Assertions;

namespace Estimo.EndToEnd.Tests;

public sealed class PermissionTests(EndToEndFixture fixture) : IClassFixture<EndToEndFixture>
{
    [Fact]
    public Task UserWhoCanBrowseButNotEdit_CannotStartASession_AndIsToldWhyAndWhomToAsk() =>
        fixture.RunAsync(async () =>
        {
            // Carol can see EST but not edit its issues, so nothing she estimated could be saved.
            var carol = await fixture.SignInAsync(Users.Carol, EstProjectPage);
            var app = carol.ProjectApp;
            await Expect(app.Heading("Estimo planning poker · EST")).ToBeVisibleAsync();
            await FillNewSessionAsync(app, "Backlog", "EST-14");
            await app.Button("Start session").ClickAsync();

            var report = app.GetByRole(AriaRole.Alert).Filter(new() { Has = app.Heading("1 problem would stop estimates from being saved") });
            await Expect(report).ToBeVisibleAsync();
            await Expect(report).ToContainTextAsync("You don't have permission to edit EST-14 in Jira.");
            await Expect(report).ToContainTextAsync("Fix: Ask a Jira admin to grant you the Edit issues permission in project EST (Project settings → Permissions).");
            await Expect(app.GetByText("Some issues cannot be estimated yet. See the problems below.")).ToBeVisibleAsync();

            await app.Button("Start session").ClickAsync();
            await Expect(app.GetByText("Resolve the problems below, or leave out the affected issues.")).ToBeVisibleAsync();
            await Expect(app.Heading("Planning poker")).ToHaveCountAsync(0);
            await app.Button("Refresh").ClickAsync();
            await Expect(app.GetByText("No active sessions in EST. Start one below.")).ToBeVisibleAsync();
        });
}
