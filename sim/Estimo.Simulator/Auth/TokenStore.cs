using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
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
/// The bearer tokens the simulated Jira API honours. Browser session tokens are opaque random
/// strings. The app's tokens (<c>x-forge-oauth-user</c> / <c>x-forge-oauth-system</c>) are shaped
/// like Forge's: RS256 JWTs with <c>exp</c> (the real expiry), <c>iat</c>, <c>sub</c> and a unique
/// <c>jti</c>, signed with a key of their own that is never published (the app may read <c>exp</c>
/// but must not verify them). Every token is honoured only by looking up its whole string, so a
/// tampered token is unknown, and revoking or expiring works the same for both shapes.
/// </summary>
public sealed class TokenStore(TimeProvider clock, IOptions<SimulatorOptions> options) : IDisposable
{
    /// <summary>The <c>iss</c> of the app's OAuth tokens.</summary>
    public const string AppTokenIssuer = "estimo-simulator/oauth";

    private readonly ConcurrentDictionary<string, IssuedToken> _tokens = new(StringComparer.Ordinal);
    private readonly RSA _appTokenKey = RSA.Create(2048);
    private int _issuedSincePurge;

    public IssuedToken Issue(TokenKind kind, string accountId, string? installationId = null)
    {
        var now = clock.GetUtcNow();
        var expiresAt = now + options.Value.TokenLifetime;
        string value;
        if (kind == TokenKind.Session)
        {
            value = "sim_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        }
        else
        {
            // Up to the next whole second, so the JWT's exp is exactly when the simulator stops honouring it.
            var seconds = expiresAt.ToUnixTimeSeconds();
            expiresAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.FromUnixTimeSeconds(seconds) < expiresAt ? seconds + 1 : seconds);
            value = SignAppToken(kind, accountId, installationId, now, expiresAt);
        }
        var token = new IssuedToken(value, kind, accountId, installationId, expiresAt);
        _tokens[value] = token;
        // Every page load and remote call mints tokens; drop the expired ones now and then so a
        // long demo does not grow without bound.
        if (Interlocked.Increment(ref _issuedSincePurge) % 1000 == 0)
        {
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

    private string SignAppToken(TokenKind kind, string accountId, string? installationId, DateTimeOffset now, DateTimeOffset expiresAt)
    {
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = "sim-oauth" };
        var payload = new JsonObject
        {
            ["iss"] = AppTokenIssuer,
            ["sub"] = accountId,
            ["aud"] = "api.atlassian.com",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = expiresAt.ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString(),
            ["kind"] = kind == TokenKind.AppSystem ? "app-system" : "app-user",
            ["installationId"] = installationId,
        };
        var signingInput = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var signature = _appTokenKey.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url(signature);
    }

    public void Dispose() => _appTokenKey.Dispose();

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
