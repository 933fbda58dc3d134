namespace Estimo.Ops.Access;

/// <summary>
/// Who is running the CLI, as the operating system and sshd say: the effective OS user and,
/// inside an SSH session, the public key sshd authenticated (from the file named by
/// <c>SSH_USER_AUTH</c>, written by sshd when <c>ExposeAuthInfo yes</c>).
/// </summary>
internal sealed record Caller(string OsUser, bool IsRoot, bool InSsh, string? SshKeyFingerprint)
{
    public static Caller FromEnvironment()
    {
        var inSsh = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SSH_CONNECTION"))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("SSH_USER_AUTH"));
        string? fingerprint = null;
        var authInfo = Environment.GetEnvironmentVariable("SSH_USER_AUTH");
        if (!string.IsNullOrEmpty(authInfo))
        {
            try
            {
                fingerprint = Estimo.Storage.Access.SshKeyFingerprint.FromExposedAuthInfo(File.ReadAllText(authInfo));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                fingerprint = null;
            }
        }

        return new Caller(Environment.UserName, Environment.IsPrivilegedProcess, inSsh, fingerprint);
    }
}
