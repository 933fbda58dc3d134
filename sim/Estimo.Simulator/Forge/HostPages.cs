using System.Text;
using System.Text.Encodings.Web;
using Estimo.Simulator.Jira;

namespace Estimo.Simulator.Forge;

/// <summary>
/// The minimal Jira chrome around the app's iframes: a header with the site name and a user
/// picker, a project navigation, and one iframe per UI module. No inline script or style: the
/// page runs under the same strict CSP as Forge's.
/// </summary>
public static class HostPages
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public const string PageCsp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; connect-src 'self' {remotes}; object-src 'none'; base-uri 'none'; form-action 'self'";

    public static string Page(string title, SimUser user, IReadOnlyList<SimUser> users, JiraSite site, ForgeManifest? app, string returnUrl, string mainHtml)
    {
        ArgumentNullException.ThrowIfNull(user);
        var sb = new StringBuilder();
        sb.Append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        sb.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        sb.Append("<title>").Append(Html.Encode(title)).Append(" - Jira (Estimo simulator)</title>\n");
        sb.Append("<link rel=\"stylesheet\" href=\"/__sim/host.css\">\n</head>\n<body>\n");
        sb.Append("<header class=\"sim-header\">\n<a class=\"sim-brand\" href=\"/\">Jira <span class=\"sim-site\">")
          .Append(Html.Encode(SeedData.SiteName)).Append(".atlassian.net</span> <span class=\"sim-badge\">simulated</span></a>\n");
        sb.Append("<form class=\"sim-user\" method=\"post\" action=\"/__sim/login\">\n<label for=\"user-picker\">Signed in as</label>\n<select id=\"user-picker\" name=\"accountId\">\n");
        foreach (var u in users)
        {
            sb.Append("<option value=\"").Append(Html.Encode(u.AccountId)).Append('"')
              .Append(u.AccountId == user.AccountId ? " selected" : "").Append('>').Append(Html.Encode(u.DisplayName)).Append("</option>\n");
        }
        sb.Append("</select>\n<input type=\"hidden\" name=\"returnUrl\" value=\"").Append(Html.Encode(returnUrl)).Append("\">\n");
        sb.Append("<noscript><button type=\"submit\">Switch</button></noscript>\n</form>\n</header>\n");
        sb.Append("<div class=\"sim-layout\">\n<nav class=\"sim-nav\" aria-label=\"Projects\">\n<ul>\n");
        foreach (var project in site.Projects.Where(p => user.Can(p.Key, ProjectAccess.Browse)))
        {
            sb.Append("<li><strong>").Append(Html.Encode(project.Name)).Append("</strong> <span class=\"sim-muted\">").Append(Html.Encode(project.Key)).Append("</span><ul>\n");
            foreach (var module in app?.UiModules.Where(m => m.Type == "jira:projectPage") ?? [])
            {
                sb.Append("<li><a href=\"/jira/software/projects/").Append(Html.Encode(project.Key)).Append("/apps/").Append(Html.Encode(module.Key)).Append("\">")
                  .Append(Html.Encode(module.Title)).Append("</a></li>\n");
            }
            sb.Append("<li><a href=\"/projects/").Append(Html.Encode(project.Key)).Append("/issues\">Issues</a></li>\n</ul></li>\n");
        }
        if (user.IsSiteAdmin && app?.UiModules.Where(m => m.Type == "jira:adminPage").ToList() is { Count: > 0 } adminPages)
        {
            sb.Append("<li><strong>Apps</strong> <span class=\"sim-muted\">admin</span><ul>\n");
            foreach (var module in adminPages)
            {
                sb.Append("<li><a href=\"").Append(HostEndpoints.AdminPageRoutePrefix).Append(Html.Encode(module.Key)).Append("\">")
                  .Append(Html.Encode(module.Title)).Append(" settings</a></li>\n");
            }
            sb.Append("</ul></li>\n");
        }
        sb.Append("</ul>\n</nav>\n<main class=\"sim-main\">\n").Append(mainHtml).Append("</main>\n</div>\n");
        sb.Append("<div id=\"sim-flags\" class=\"sim-flags\" role=\"status\" aria-live=\"polite\"></div>\n");
        sb.Append("<script src=\"/__sim/host.js\"></script>\n</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>
    /// One module's iframe. <paramref name="appPath"/> is the app's initial history location
    /// (project pages, e.g. <c>/session/abc</c>); <paramref name="historyBase"/> the host route
    /// the app's history path is appended to (null: no history in the host URL).
    /// </summary>
    public static string Frame(UiModule module, string? projectKey, string? issueKey, string? appPath = null, string? historyBase = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        var sb = new StringBuilder();
        sb.Append("<section class=\"sim-module\" aria-label=\"").Append(Html.Encode(module.Title)).Append("\">\n<h2>").Append(Html.Encode(module.Title)).Append("</h2>\n");
        sb.Append("<iframe class=\"forge-frame\" title=\"").Append(Html.Encode(module.Title)).Append("\" src=\"/__forge/resources/")
          .Append(Html.Encode(Uri.EscapeDataString(module.ResourceKey))).Append("/index.html\" data-module-key=\"").Append(Html.Encode(module.Key)).Append('"');
        if (projectKey is not null)
        {
            sb.Append(" data-project-key=\"").Append(Html.Encode(projectKey)).Append('"');
        }
        if (issueKey is not null)
        {
            sb.Append(" data-issue-key=\"").Append(Html.Encode(issueKey)).Append('"');
        }
        if (historyBase is not null)
        {
            sb.Append(" data-history-base=\"").Append(Html.Encode(historyBase)).Append("\" data-app-path=\"").Append(Html.Encode(appPath ?? "/")).Append('"');
        }
        sb.Append("></iframe>\n</section>\n");
        return sb.ToString();
    }

    public static string Encode(string text) => Html.Encode(text);
}
