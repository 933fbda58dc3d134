using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Estimo.Remote.Logging;

/// <summary>
/// Enforces the never-logged list (docs/security.md) on every string the ECS formatter writes,
/// console, file and Elasticsearch alike. Two mechanisms:
/// <list type="bullet">
/// <item>Properties whose <em>names</em> say they hold something never logged (tokens, keys,
/// secrets, Jira content, e-mails, votes) are written as <c>[redacted]</c> whatever their value
/// (<see cref="IsNeverLoggedName"/>), in the message and in the fields.</item>
/// <item>Text <em>shaped</em> like a secret is replaced wherever it appears, including exception
/// messages and stack traces: JWTs (FITs and Forge OAuth tokens are JWTs), <c>Bearer</c>,
/// <c>ApiKey</c> and <c>Basic</c> credentials, <c>password=</c>-style settings, e-mail
/// addresses; IP addresses are truncated (IPv4 to /24, IPv6 to /48).</item>
/// </list>
/// Code must still never pass these to a logger; this catches the mistakes.
/// </summary>
public static partial class LogScrubber
{
    public const string Redacted = "[redacted]";
    public const string RedactedEmail = "[redacted-email]";

    // Matched case-insensitively against property names, as substrings: "UserToken",
    // "IssueSummary", "VoteLabel"… all count. Over-redacting is the safe failure.
    private static readonly string[] NeverLoggedNameParts =
    [
        "token", "secret", "password", "passwd", "apikey", "api_key", "authorization", "cookie",
        "connectionstring", "privatekey", "credential", "signature",
        "summary", "description", "comment", "jql", "displayname", "email", "mail",
        "vote", "label",
    ];

    /// <summary>Whether a property named <paramref name="name"/> is on the never-logged list.</summary>
    public static bool IsNeverLoggedName(string name)
    {
        foreach (var part in NeverLoggedNameParts)
        {
            if (name.Contains(part, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public static string Scrub(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        // Cheap pre-checks keep the common case (no token-like text) free of regex work.
        if (text.Contains("eyJ", StringComparison.Ordinal))
        {
            text = JwtPattern().Replace(text, Redacted);
        }

        if (text.Contains("earer", StringComparison.OrdinalIgnoreCase)
            || text.Contains("apikey", StringComparison.OrdinalIgnoreCase)
            || text.Contains("basic", StringComparison.OrdinalIgnoreCase))
        {
            text = CredentialPattern().Replace(text, m => m.Groups["scheme"].Value + " " + Redacted);
        }

        if (text.Contains('=', StringComparison.Ordinal) || text.Contains(':', StringComparison.Ordinal))
        {
            text = SecretSettingPattern().Replace(text, m => m.Groups["name"].Value + m.Groups["sep"].Value + Redacted);
        }

        if (text.Contains('@', StringComparison.Ordinal))
        {
            text = EmailPattern().Replace(text, RedactedEmail);
        }

        if (text.Contains('.', StringComparison.Ordinal))
        {
            text = IPv4Pattern().Replace(text, TruncateIPv4);
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            text = IPv6Pattern().Replace(text, TruncateIPv6);
        }

        return text;
    }

    private static string TruncateIPv4(Match match) =>
        IPAddress.TryParse(match.Value, out var address) && address.AddressFamily == AddressFamily.InterNetwork
            ? $"{match.Groups[1].Value}.{match.Groups[2].Value}.{match.Groups[3].Value}.0"
            : match.Value;

    private static string TruncateIPv6(Match match)
    {
        if (!IPAddress.TryParse(match.Value, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return match.Value;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            var v4 = address.MapToIPv4().GetAddressBytes();
            return $"::ffff:{v4[0]}.{v4[1]}.{v4[2]}.0";
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 6, 10);
        return new IPAddress(bytes).ToString();
    }

    [GeneratedRegex(@"eyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]*)?", RegexOptions.CultureInvariant)]
    private static partial Regex JwtPattern();

    [GeneratedRegex(@"(?<scheme>Bearer|ApiKey|Basic)\s+[A-Za-z0-9_\-\.~\+/=]+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex CredentialPattern();

    [GeneratedRegex(@"(?<name>\b(?:password|pwd|passwd|secret|api[_-]?key|access[_-]?token|refresh[_-]?token|client[_-]?secret))(?<sep>\s*[=:]\s*)(?!\[redacted\])[^;,&\s""']+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SecretSettingPattern();

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"(?<![\w.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\w.])", RegexOptions.CultureInvariant)]
    private static partial Regex IPv4Pattern();

    [GeneratedRegex(@"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])", RegexOptions.CultureInvariant)]
    private static partial Regex IPv6Pattern();
}
