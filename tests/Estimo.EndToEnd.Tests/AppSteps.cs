using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Estimo.EndToEnd.Tests;

/// <summary>Steps through the Custom UI by role and accessible name (docs/ui.md, web/src/features).</summary>
public static class AppSteps
{
    public const string EstProjectPage = "/jira/software/projects/EST/apps/estimo-project-page";
    public const string LegProjectPage = "/jira/software/projects/LEG/apps/estimo-project-page";

    public static ILocator Button(this IFrameLocator app, string name) =>
        app.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    public static ILocator Heading(this IFrameLocator app, string startsWith) =>
        app.GetByRole(AriaRole.Heading, new() { NameRegex = new Regex("^" + Regex.Escape(startsWith)) });

    /// <summary>Opens "New session", loads issues from <paramref name="source"/> (Backlog or Sprint) and keeps only <paramref name="issueKeys"/> selected.</summary>
    public static async Task FillNewSessionAsync(IFrameLocator app, string source, params string[] issueKeys)
    {
        await app.Button("New session").ClickAsync();
        await Expect(app.Heading("New session")).ToBeVisibleAsync();
        var radio = app.GetByRole(AriaRole.Radio, new() { Name = source, Exact = true });
        // The sprint radio is enabled once the board's sprints are loaded.
        await Expect(radio).ToBeEnabledAsync();
        await radio.CheckAsync();
        await app.Button("Load issues").ClickAsync();
        await Expect(app.GetByText(new Regex(@"^Loaded \d+ issues?\.$"))).ToBeVisibleAsync();
        await app.GetByRole(AriaRole.Checkbox, new() { NameRegex = new Regex("^Select all") }).UncheckAsync();
        foreach (var key in issueKeys)
        {
            await app.GetByRole(AriaRole.Checkbox, new() { NameRegex = new Regex("^" + Regex.Escape(key) + " ") }).CheckAsync();
        }
        await Expect(app.GetByRole(AriaRole.Checkbox, new() { NameRegex = new Regex("^Select all") }))
            .ToHaveAccessibleNameAsync(new Regex($@"^Select all \({issueKeys.Length} of \d+ selected\)$"));
    }

    /// <summary>Clicks a card and waits until the app shows it as the viewer's vote.</summary>
    public static async Task VoteAsync(IFrameLocator app, string label)
    {
        var card = app.Button("Vote " + label);
        await card.ClickAsync();
        await Expect(card).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(app.GetByText($"You voted {label}.")).ToBeVisibleAsync();
    }

    /// <summary>The row of the votes table for <paramref name="displayName"/>.</summary>
    public static ILocator VoteRow(IFrameLocator app, string displayName) =>
        app.GetByRole(AriaRole.Row).Filter(new() { Has = app.GetByRole(AriaRole.Cell, new() { Name = displayName, Exact = true }) });
}
