namespace Estimo.Storage.Lifecycle;

/// <summary>Why an installation's data was purged; recorded on its tombstone and in the audit.</summary>
public enum PurgeReason
{
    /// <summary>Uninstalled (an uninstall event) longer ago than <c>Lifecycle:PurgeAfterUninstall</c>.</summary>
    Uninstalled,

    /// <summary>Atlassian refused its system token for <c>Lifecycle:PurgeAfterTokenRefusedDays</c>.</summary>
    TokenRefused,

    /// <summary>A site admin asked for "delete our data now".</summary>
    AdminRequest,

    /// <summary>An operator ran <c>estimo-ops purge installation</c>.</summary>
    Operator,
}

internal static class PurgeReasons
{
    public static string Name(this PurgeReason reason) => reason switch
    {
        PurgeReason.Uninstalled => "uninstalled",
        PurgeReason.TokenRefused => "token-refused",
        PurgeReason.AdminRequest => "admin-request",
        _ => "operator",
    };
}
