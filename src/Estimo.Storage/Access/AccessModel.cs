using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Estimo.Storage.Access;

/// <summary>What an operator may do. Support engineers may do everything developers may, plus tenant data under a grant.</summary>
public enum OperatorRole
{
    /// <summary>System operations (health, migrations, backups, restore drills, key rotation); never tenant data.</summary>
    Developer,

    /// <summary>A developer's operations, plus one installation's data under an active grant.</summary>
    SupportEngineer,
}

/// <summary>What a support grant allows.</summary>
public enum GrantScope
{
    /// <summary>Read (decrypt) the installation's data.</summary>
    Read,

    /// <summary>Delete the installation's data.</summary>
    Purge,
}

/// <summary>An operator as the registry knows them.</summary>
public sealed record OperatorInfo(string Id, string OsUser, string DisplayName, OperatorRole Role, bool Active, IReadOnlyList<string> Fingerprints, DateTimeOffset CreatedAt);

/// <summary>A support grant as the registry knows it.</summary>
public sealed record GrantInfo(
    string Id,
    string OperatorId,
    string InstallationId,
    string Reason,
    string Ticket,
    GrantScope Scope,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    bool RequiresApproval,
    string? ApprovedBy,
    string? RevokedBy)
{
    /// <summary>The grant's state at <paramref name="now"/>: active, awaiting approval, revoked or expired.</summary>
    public string StateAt(DateTimeOffset now) =>
        RevokedBy is not null ? "revoked"
        : now >= ExpiresAt ? "expired"
        : RequiresApproval && ApprovedBy is null ? "awaiting-approval"
        : "active";
}

/// <summary>
/// A refusal an operator can act on (unknown or deactivated operator, wrong role, no valid
/// grant, approving one's own grant…). Its message is one line, safe to print; it was audited
/// before it was thrown where an identity was known.
/// </summary>
public sealed class AccessDeniedException : Exception
{
    public AccessDeniedException(string message)
        : base(message)
    {
    }

    public AccessDeniedException()
    {
    }

    public AccessDeniedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// OpenSSH key fingerprints: <c>SHA256:</c> followed by the unpadded base64 of the SHA-256 of
/// the public key blob, exactly as <c>ssh-keygen -lf</c> prints them.
/// </summary>
public static partial class SshKeyFingerprint
{
    /// <summary>True when <paramref name="value"/> is a well-formed SHA256 fingerprint (43 base64 characters encoding exactly 32 bytes).</summary>
    public static bool IsValid(string? value)
    {
        if (value is null || !Shape().IsMatch(value))
        {
            return false;
        }

        var bytes = new byte[33];
        return Convert.TryFromBase64String(value["SHA256:".Length..] + "=", bytes, out var written)
            && written == 32
            && "SHA256:" + Convert.ToBase64String(bytes, 0, 32).TrimEnd('=') == value; // canonical: no stray bits in the last character
    }

    /// <summary>The fingerprint of a public key blob.</summary>
    public static string Of(ReadOnlySpan<byte> publicKeyBlob) =>
        "SHA256:" + Convert.ToBase64String(SHA256.HashData(publicKeyBlob)).TrimEnd('=');

    /// <summary>
    /// The fingerprint of an OpenSSH public key line (<c>ssh-ed25519 AAAA… comment</c>), or null
    /// when the line is not one (the blob must decode and start with the key type it claims).
    /// </summary>
    public static string? FromPublicKeyLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var parts = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            return null;
        }

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            return null;
        }

        // The blob starts with the key type as an SSH string (uint32 length + bytes).
        if (blob.Length < 4)
        {
            return null;
        }

        var length = (blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3];
        if (length <= 0 || length > blob.Length - 4 || System.Text.Encoding.ASCII.GetString(blob, 4, length) != parts[0])
        {
            return null;
        }

        return Of(blob);
    }

    /// <summary>
    /// The key fingerprint from the file sshd names in <c>SSH_USER_AUTH</c> when
    /// <c>ExposeAuthInfo yes</c>: one line per successful authentication method, a public key
    /// as <c>publickey &lt;type&gt; &lt;base64&gt;</c>. Null when no public key was used.
    /// </summary>
    public static string? FromExposedAuthInfo(string contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        foreach (var line in contents.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("publickey ", StringComparison.Ordinal))
            {
                return FromPublicKeyLine(line["publickey ".Length..]);
            }
        }

        return null;
    }

    [GeneratedRegex("^SHA256:[A-Za-z0-9+/]{43}$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
