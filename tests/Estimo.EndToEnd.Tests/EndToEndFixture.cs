using System.Runtime.ExceptionServices;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Estimo.EndToEnd.Tests;

/// <summary>The seed users of the simulator (docs/simulator.md).</summary>
public static class Users
{
    public const string Alice = "5b10a2844c20165700ede21g";
    public const string Bob = "5b10ac8d82e05b22cc7d4ef5";
    public const string Carol = "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077";
    public const string Dave = "5d9b3c9a1c2e4b0c8f7a6e51";
    public const string Erin = "60e5a9c2f1b3d4001234abcd";
}

/// <summary>
/// One simulator + remote pair per test class (so every flow starts from the seed data with no
/// other session in the lists), plus Debian's Chromium. Each simulated user gets a browser
/// context of their own and signs in with the host page's "Signed in as" picker.
/// </summary>
public sealed class EndToEndFixture : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private readonly List<UserSession> _users = [];
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public EstimoProcesses Stack { get; } = new();

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            // Each test skips (or fails, with ESTIMO_REQUIRE_BROWSER=1) through RequireBrowser.
            return;
        }
        await Stack.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ChromiumArgs,
        });
        // CI machines are small and shared: give the pages time rather than fail on a slow frame.
        SetDefaultExpectTimeout(20_000);
    }

    public async ValueTask DisposeAsync()
    {
        await CloseUsersAsync();
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        await Stack.DisposeAsync();
    }

    /// <summary>Skips the test without /usr/bin/chromium, or fails it when ESTIMO_REQUIRE_BROWSER=1.</summary>
    public static void RequireBrowser()
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

    /// <summary>
    /// Runs a test body; on failure, saves a screenshot of every open page next to the test
    /// assembly and adds the tail of both processes' output to the failure message.
    /// </summary>
    public async Task RunAsync(Func<Task> body)
    {
        RequireBrowser();
        try
        {
            await body();
        }
        catch (Exception ex)
        {
            var shots = await SaveFailureScreenshotsAsync();
            var diagnostics = $"{ex.Message}\n\nScreenshots: {shots}\n\n{Stack.LogTail()}";
            ExceptionDispatchInfo.Throw(new EndToEndFailureException(diagnostics, ex));
        }
        finally
        {
            await CloseUsersAsync();
        }
    }

    /// <summary>A new browser context for <paramref name="accountId"/>, signed in through the picker, on <paramref name="path"/>.</summary>
    public async Task<UserSession> SignInAsync(string accountId, string path)
    {
        if (_browser is null)
        {
            throw new InvalidOperationException("The browser is not running.");
        }
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            // The remote's certificate is self-signed; requestRemote goes from this browser to it.
            IgnoreHTTPSErrors = true,
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        var page = await context.NewPageAsync();
        var user = new UserSession(accountId, context, page, Stack);
        _users.Add(user);
        await page.GotoAsync(Stack.SimUrl + path);
        var picker = page.GetByLabel("Signed in as");
        if (await picker.InputValueAsync() != accountId)
        {
            // The picker posts a form that sets the user cookie and comes back to this page.
            await picker.SelectOptionAsync(accountId);
        }
        // The server marks the signed-in user with the selected attribute, so this holds only
        // once the page has come back as that user (choosing an option does not set it).
        await Expect(page.Locator("#user-picker option[selected]")).ToHaveAttributeAsync("value", accountId);
        return user;
    }

    private async Task<string> SaveFailureScreenshotsAsync()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "e2e-failures", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            Directory.CreateDirectory(folder);
            foreach (var user in _users)
            {
                await user.GrowFramesAsync();
                await user.Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"{user.AccountId.Replace(':', '_')}.png"), FullPage = true });
            }
            return folder;
        }
        catch (PlaywrightException e)
        {
            return $"(could not save: {e.Message})";
        }
    }

    private async Task CloseUsersAsync()
    {
        foreach (var user in _users)
        {
            await user.Context.DisposeAsync();
        }
        _users.Clear();
    }
}

/// <summary>One simulated user in a browser context of their own.</summary>
public sealed class UserSession(string accountId, IBrowserContext context, IPage page, EstimoProcesses stack)
{
    public string AccountId { get; } = accountId;

    public IBrowserContext Context { get; } = context;

    public IPage Page { get; } = page;

    /// <summary>The project page module (iframe titled "Estimo").</summary>
    public IFrameLocator ProjectApp => Page.FrameLocator("iframe[title='Estimo']");

    /// <summary>The issue panel module (iframe titled "Estimation").</summary>
    public IFrameLocator IssuePanel => Page.FrameLocator("iframe[title='Estimation']");

    public Task GotoAsync(string path) => Page.GotoAsync(stack.SimUrl + path);

    /// <summary>
    /// Grows the host's fixed-height app iframes to their content, so a full-page screenshot
    /// shows all of the app; returns the page height.
    /// </summary>
    public Task<int> GrowFramesAsync() => Page.EvaluateAsync<int>("""
        () => {
          for (const frame of document.querySelectorAll('iframe.forge-frame')) {
            frame.style.height = frame.contentDocument.documentElement.scrollHeight + 'px';
          }
          return document.documentElement.scrollHeight;
        }
        """);

    /// <summary>
    /// A screenshot for docs/screenshots, taken only when ESTIMO_E2E_SCREENSHOTS=1 (so ordinary
    /// runs do not rewrite committed files).
    /// </summary>
    public async Task DocumentAsync(string name)
    {
        if (Environment.GetEnvironmentVariable("ESTIMO_E2E_SCREENSHOTS") != "1")
        {
            return;
        }
        var folder = Path.Combine(stack.RepoRoot, "docs", "screenshots");
        Directory.CreateDirectory(folder);
        // The host gives app iframes a fixed height; grow them to their content so the picture
        // shows the whole screen, then keep it to at most 1280 x 1400.
        var height = await GrowFramesAsync();
        await Page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(folder, name + ".png"),
            FullPage = true,
            Clip = new Clip { X = 0, Y = 0, Width = 1280, Height = Math.Min(height, 1400) },
        });
    }
}

/// <summary>A failed end-to-end test, with the processes' output attached.</summary>
public sealed class EndToEndFailureException(string message, Exception inner) : Exception(message, inner);
