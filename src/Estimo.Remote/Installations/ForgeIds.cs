namespace Estimo.Remote.Installations;

/// <summary>
/// Forge writes the same id in two forms: the install event's <c>id</c> is a bare UUID, while
/// tokens may carry an ARI such as <c>ari:cloud:ecosystem::installation/&lt;uuid&gt;</c>; the
/// event's <c>context</c> is a site ARI <c>ari:cloud:jira::site/&lt;cloudId&gt;</c>.
/// </summary>
internal static class ForgeIds
{
    /// <summary>The trailing id of an ARI, or the value itself.</summary>
    public static string Bare(string value)
    {
        var slash = value.LastIndexOf('/');
        return slash >= 0 ? value[(slash + 1)..] : value;
    }

    public static bool SameId(string a, string b) => string.Equals(Bare(a), Bare(b), StringComparison.OrdinalIgnoreCase);
}
