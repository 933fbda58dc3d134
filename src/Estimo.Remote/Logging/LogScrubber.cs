using System.Text.RegularExpressions;

namespace Estimo.Remote.Logging;

/// <summary>
/// The last line of defence for the never-logged list: replaces anything shaped like a JWT
/// (FITs and Forge OAuth tokens are JWTs) or a bearer credential before a line is written.
/// Code must still never pass tokens to a logger; this catches the mistakes.
/// </summary>
public static partial class LogScrubber
{
    public const string Redacted = "[redacted]";

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

        if (text.Contains("earer", StringComparison.OrdinalIgnoreCase))
        {
            text = BearerPattern().Replace(text, "Bearer " + Redacted);
        }

        return text;
    }

    [GeneratedRegex(@"eyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]*)?", RegexOptions.CultureInvariant)]
    private static partial Regex JwtPattern();

    [GeneratedRegex(@"Bearer\s+[A-Za-z0-9_\-\.~\+/=]+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex BearerPattern();
}
