using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Estimo.Simulator.Tests;

/// <summary>
/// The real @forge/bridge 7.2.0, bundled by esbuild into sim/fixtures/bridge-probe, running in
/// Debian's Chromium inside the simulator's host page. Setup: the test runs
/// <c>npm ci --ignore-scripts</c> in that folder when node_modules is missing, then
/// <c>npm run build</c>. Needs /usr/bin/chromium (apt-get install chromium); without it the test
/// is skipped, unless ESTIMO_REQUIRE_BROWSER=1, which turns the skip into a failure.
/// </summary>
public sealed class BrowserTests
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private static void RequireBrowser()
    {
        if (File.Exists(Chromium))
        {
            return;
        }
        if (Environment.GetEnvironmentVariable("ESTIMO_REQUIRE_BROWSER") == "1")
        {
            Assert.Fail($"{Chromium} is missing and ESTIMO_REQUIRE_BROWSER=1: install it with 'apt-get install -y chromium'.");
        }
        Assert.Skip($"{Chromium} is missing: install it with 'apt-get install -y chromium' (set ESTIMO_REQUIRE_BROWSER=1 to fail instead of skipping).");
    }

    [Fact]
    public async Task RealBridge_GetsContextAndCallsJira_AsThePickedUser_InTwoBrowserContexts()
    {
        RequireBrowser();
        // CI machines are small and shared: give the page time rather than fail on a slow frame.
        SetDefaultExpectTimeout(30_000);
        var probe = await NpmFolder.BuildBridgeProbeAsync();
        await using var remote = await FakeRemote.StartAsync();
        await using var sim = await RunningSimulator.StartAsync(new Dictionary<string, string?>
        {
            ["Simulator:ResourceRoots:estimo-ui"] = probe,
            ["Simulator:Remote:BaseUrl"] = remote.BaseUrl,
            ["Simulator:Remote:TrustCertificateThumbprint"] = remote.Thumbprint,
        });
        remote.JiraBase = $"{sim.BaseUrl}/ex/jira/{Jira.SeedData.CloudId}";
        await sim.PostAdminAsync("/__sim/install");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ChromiumArgs,
        });

        // The fake remote's certificate is self-signed; the simulator trusts it by thumbprint, the
        // browser (which calls it directly for requestRemote) is told to accept it.
        await using var bobContext = await browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true });
        await using var carolContext = await browser.NewContextAsync();
        var bob = await bobContext.NewPageAsync();
        var carol = await carolContext.NewPageAsync();
        var cspViolations = new List<string>();
        foreach (var page in new[] { bob, carol })
        {
            page.Console += (_, message) =>
            {
                if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
                {
                    cspViolations.Add(message.Text);
                }
            };
        }

        // Both start on the issue page as the default user, then switch with the picker.
        await bob.GotoAsync(sim.BaseUrl + "/browse/EST-1");
        var bobPanel = bob.FrameLocator("iframe[title='Estimation']");
        await Expect(bobPanel.Locator("#display-name")).ToHaveTextAsync("Alice Adams");
        await bob.GetByLabel("Signed in as").SelectOptionAsync(Users.Bob);
        await Expect(bobPanel.Locator("#display-name")).ToHaveTextAsync("Bob Baker");
        await Expect(bobPanel.Locator("#account-id")).ToHaveTextAsync(Users.Bob);
        await Expect(bobPanel.Locator("#module-key")).ToHaveTextAsync("estimo-issue-panel");
        await Expect(bobPanel.Locator("#issue-key")).ToHaveTextAsync("EST-1");
        await Expect(bobPanel.Locator("#project-key")).ToHaveTextAsync("EST");
        await Expect(bobPanel.Locator("#site-url")).ToHaveTextAsync(sim.BaseUrl);
        await Expect(bobPanel.Locator("#myself-status")).ToHaveTextAsync("200");

        await carol.GotoAsync(sim.BaseUrl + "/browse/EST-1");
        await carol.GetByLabel("Signed in as").SelectOptionAsync(Users.Carol);
        var carolPanel = carol.FrameLocator("iframe[title='Estimation']");
        await Expect(carolPanel.Locator("#display-name")).ToHaveTextAsync("Carol Chen");

        // The two contexts stay two users: Bob may save an estimate, Carol (browse only) may not.
        await bobPanel.GetByRole(AriaRole.Button, new() { Name = "Save 5 points" }).ClickAsync();
        await Expect(bobPanel.Locator("#save-status")).ToHaveTextAsync("204");
        await carolPanel.GetByRole(AriaRole.Button, new() { Name = "Save 5 points" }).ClickAsync();
        await Expect(carolPanel.Locator("#save-status")).ToHaveTextAsync("403");
        await Expect(bobPanel.Locator("#probe-error")).ToBeEmptyAsync();

        // invokeRemote goes through the host with a FIT and OAuth tokens that act as Bob;
        // requestRemote goes from the browser straight to the remote, with a FIT and no tokens.
        await bobPanel.GetByRole(AriaRole.Button, new() { Name = "Invoke remote" }).ClickAsync();
        await Expect(bobPanel.Locator("#invoke-result")).ToHaveTextAsync($"200 {Users.Bob}");
        await bobPanel.GetByRole(AriaRole.Button, new() { Name = "Request remote" }).ClickAsync();
        await Expect(bobPanel.Locator("#request-result")).ToHaveTextAsync("200 fit=True oauth=False");

        // The project page module gets the project (and its board) in its context.
        await bob.GotoAsync(sim.BaseUrl + "/jira/software/projects/TEAM/apps/estimo-project-page");
        var page2 = bob.FrameLocator("iframe[title='Estimo']");
        await Expect(page2.Locator("#project-key")).ToHaveTextAsync("TEAM");
        await Expect(page2.Locator("#module-key")).ToHaveTextAsync("estimo-project-page");
        await Expect(page2.Locator("#display-name")).ToHaveTextAsync("Bob Baker");
        await Expect(page2.Locator("#history-path")).ToHaveTextAsync("/");

        // router.getUrl gives a deep link; opening it starts the app's history at that path, and a
        // push from the app shows in the host URL.
        await page2.GetByRole(AriaRole.Button, new() { Name = "Get URL" }).ClickAsync();
        var deepLink = $"{sim.BaseUrl}/jira/software/projects/TEAM/apps/estimo-project-page/session/abc";
        await Expect(page2.Locator("#url-result")).ToHaveTextAsync(deepLink);
        await bob.GotoAsync(deepLink);
        await Expect(page2.Locator("#history-path")).ToHaveTextAsync("/session/abc");
        await page2.GetByRole(AriaRole.Button, new() { Name = "Push path" }).ClickAsync();
        await Expect(page2.Locator("#history-path")).ToHaveTextAsync("/session/pushed");
        await Expect(bob).ToHaveURLAsync($"{sim.BaseUrl}/jira/software/projects/TEAM/apps/estimo-project-page/session/pushed");
        await bob.GoBackAsync();
        await Expect(page2.Locator("#history-path")).ToHaveTextAsync("/session/abc");
        await bob.GoForwardAsync();
        await Expect(page2.Locator("#history-path")).ToHaveTextAsync("/session/pushed");
        // Switching user reloads the page and keeps the app where it is (not at the URL first loaded).
        await bob.GetByLabel("Signed in as").SelectOptionAsync(Users.Alice);
        await Expect(page2.Locator("#display-name")).ToHaveTextAsync("Alice Adams");
        await Expect(page2.Locator("#history-path")).ToHaveTextAsync("/session/pushed");

        Assert.Empty(cspViolations);
    }

    [Fact]
    public async Task RelayDirectCalls_LetsABrowserThatDistrustsTheRemotesCertificate_ReachIt()
    {
        RequireBrowser();
        SetDefaultExpectTimeout(30_000);
        var probe = await NpmFolder.BuildBridgeProbeAsync();
        await using var remote = await FakeRemote.StartAsync();
        await using var sim = await RunningSimulator.StartAsync(new Dictionary<string, string?>
        {
            ["Simulator:ResourceRoots:estimo-ui"] = probe,
            ["Simulator:Remote:BaseUrl"] = remote.BaseUrl,
            ["Simulator:Remote:TrustCertificateThumbprint"] = remote.Thumbprint,
            ["Simulator:Remote:RelayDirectCalls"] = "true",
        });
        await sim.PostAdminAsync("/__sim/install");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ChromiumArgs });
        // Certificate errors are NOT ignored here, as in a person's browser: only the relay gets through.
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(sim.BaseUrl + "/browse/EST-1");
        var panel = page.FrameLocator("iframe[title='Estimation']");
        await Expect(panel.Locator("#myself-status")).ToHaveTextAsync("200");
        await panel.GetByRole(AriaRole.Button, new() { Name = "Request remote" }).ClickAsync();
        await Expect(panel.Locator("#request-result")).ToHaveTextAsync("200 fit=True oauth=False");
        Assert.Contains(remote.Calls, c => c.Path == "/api/ping" && c.Headers.GetValueOrDefault("origin") == sim.BaseUrl);
    }

    [Fact]
    public async Task RealBridge_StillGetsItsContext_WhenTheHostScriptArrivesAfterTheAppHasStarted()
    {
        RequireBrowser();
        SetDefaultExpectTimeout(30_000);
        var probe = await NpmFolder.BuildBridgeProbeAsync();
        await using var sim = await RunningSimulator.StartAsync(new Dictionary<string, string?>
        {
            ["Simulator:ResourceRoots:estimo-ui"] = probe,
        });
        await sim.PostAdminAsync("/__sim/install");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ChromiumArgs,
        });
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        // host.js is the page's last script; on a busy machine the iframe's app can run first.
        await page.RouteAsync("**/__sim/host.js", async route =>
        {
            await Task.Delay(2000);
            await route.ContinueAsync();
        });

        await page.GotoAsync(sim.BaseUrl + "/browse/EST-1");

        var panel = page.FrameLocator("iframe[title='Estimation']");
        await Expect(panel.Locator("#display-name")).ToHaveTextAsync("Alice Adams");
        await Expect(panel.Locator("#module-key")).ToHaveTextAsync("estimo-issue-panel");
    }
}
