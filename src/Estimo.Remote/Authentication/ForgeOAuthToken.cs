namespace Estimo.Remote.Authentication;

/// <summary>
/// An opaque Forge OAuth token (a JWT issued by Atlassian). The value is reachable only
/// through <see cref="Reveal"/>; <see cref="ToString"/> is redacted so the token cannot reach a
/// log line or an error message by accident.
/// </summary>
public sealed class ForgeOAuthToken
{
    private readonly string _value;

    public ForgeOAuthToken(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        _value = value;
    }

    /// <summary>The raw token, for an Authorization header to Atlassian and nothing else.</summary>
    public string Reveal() => _value;

    public override string ToString() => "[redacted]";
}
