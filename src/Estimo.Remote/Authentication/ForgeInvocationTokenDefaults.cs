namespace Estimo.Remote.Authentication;

/// <summary>Names used by the FIT authentication scheme.</summary>
public static class ForgeInvocationTokenDefaults
{
    public const string AuthenticationScheme = "ForgeInvocationToken";

    /// <summary>Header carrying the user's OAuth token (invokeRemote only).</summary>
    public const string UserTokenHeader = "x-forge-oauth-user";

    /// <summary>Header carrying the app's system OAuth token.</summary>
    public const string SystemTokenHeader = "x-forge-oauth-system";

    /// <summary>Claim types put on the principal of an authenticated request.</summary>
    public static class Claims
    {
        public const string InstallationId = "estimo:installation_id";
        public const string AccountId = "estimo:account_id";
        public const string CloudId = "estimo:cloud_id";
    }
}
