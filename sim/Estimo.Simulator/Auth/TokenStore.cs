using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Estimo.Simulator.Auth;

/// <summary>Why a bearer token exists; decides what revokes it.</summary>
public enum TokenKind
{
    /// <summary>A browser session on the site (what the host page uses for requestJira).</summary>
    Session,
    /// <summary>The app acting as a user (<c>x-forge-oauth-user</c>); dies with the installation.</summary>
    AppUser,
    /// <summary>The app acting as itself (<c>x-forge-oauth-system</c>); dies with the installation.</summary>
    AppSystem,
}

public sealed record IssuedToken(string Value, TokenKind Kind, string AccountId, string? InstallationId, DateTimeOffset ExpiresAt);

/// <summary>
/// Opaque, random bearer tokens that the simulated Jira API honours. Real Forge tokens are JWTs,
/// but the app must treat them as opaque, so random strings keep the app honest.
/// </summary>
public sealed class TokenStore(TimeProvider clock, IOptions<SimulatorOptions> options)
{
    private readonly ConcurrentDictionary<string, IssuedToken> _tokens = new(StringComparer.Ordinal);
    private int _issuedSincePurge;

    public IssuedToken Issue(TokenKind kind, string accountId, string? installationId = null)
    {
        var value = "sim_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var token = new IssuedToken(value, kind, accountId, installationId, clock.GetUtcNow() + options.Value.TokenLifetime);
        _tokens[value] = token;
        // Every page load and remote call mints tokens; drop the expired ones now and then so a
        // long demo does not grow without bound.
        if (Interlocked.Increment(ref _issuedSincePurge) % 1000 == 0)
        {
            var now = clock.GetUtcNow();
            foreach (var (key, existing) in _tokens)
            {
                if (existing.ExpiresAt <= now)
                {
                    _tokens.TryRemove(key, out _);
                }
            }
        }
        return token;
    }

    /// <summary>The live token for a value, or null when unknown, revoked or expired.</summary>
    public IssuedToken? Resolve(string value)
    {
        if (!_tokens.TryGetValue(value, out var token))
        {
            return null;
        }
        if (token.ExpiresAt <= clock.GetUtcNow())
        {
            _tokens.TryRemove(value, out _);
            return null;
        }
        return token;
    }

    /// <summary>Uninstalling an app kills every token issued to it, as on a real site.</summary>
    public int RevokeInstallation(string installationId)
    {
        var revoked = 0;
        foreach (var (value, token) in _tokens)
        {
            if (token.InstallationId == installationId && _tokens.TryRemove(value, out _))
            {
                revoked++;
            }
        }
        return revoked;
    }

    public void Clear() => _tokens.Clear();

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
