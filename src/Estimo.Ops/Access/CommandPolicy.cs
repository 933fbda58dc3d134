using Estimo.Storage.Access;

namespace Estimo.Ops.Access;

/// <summary>Who may run a command.</summary>
internal enum Need
{
    /// <summary>Any active operator (developer or support engineer).</summary>
    Developer,

    /// <summary>An active support engineer.</summary>
    SupportEngineer,

    /// <summary>An active support engineer holding an active grant for the command's <c>--installation</c> (passed as <c>--grant</c>).</summary>
    Grant,
}

/// <summary>
/// What a command requires. <paramref name="Bootstrap"/>: root may also run it while the
/// operator registry is empty (or not yet created), to migrate and register the first operator.
/// </summary>
internal sealed record Requirement(Need Need, GrantScope? Scope = null, bool Bootstrap = false)
{
    public bool TouchesTenantData => Need == Need.Grant;
}

/// <summary>
/// Every command's requirement, in one place. A command that is not listed is refused
/// (default deny), so a new command cannot be run until someone decides who may run it.
/// </summary>
internal static class CommandPolicy
{
    public static readonly IReadOnlyDictionary<string, Requirement> Requirements = new Dictionary<string, Requirement>(StringComparer.Ordinal)
    {
        ["migrate"] = new(Need.Developer, Bootstrap: true),
        ["migrations status"] = new(Need.Developer, Bootstrap: true),
        ["keys add-kek"] = new(Need.Developer),
        ["keys rewrap"] = new(Need.Developer),
        ["keys retire-kek"] = new(Need.Developer),
        ["keys rotate-dek"] = new(Need.Developer),
        ["keys shred"] = new(Need.Grant, GrantScope.Purge),
        ["operators add"] = new(Need.SupportEngineer, Bootstrap: true),
        ["operators list"] = new(Need.Developer),
        ["operators deactivate"] = new(Need.SupportEngineer),
        ["operators activate"] = new(Need.SupportEngineer),
        ["operators add-key"] = new(Need.SupportEngineer),
        ["operators remove-key"] = new(Need.SupportEngineer),
        ["grants request"] = new(Need.SupportEngineer),
        ["grants approve"] = new(Need.SupportEngineer),
        ["grants revoke"] = new(Need.SupportEngineer),
        ["grants list"] = new(Need.Developer),
        ["support sessions"] = new(Need.Grant, GrantScope.Read),
        ["audit verify"] = new(Need.Developer),
        ["audit export"] = new(Need.Developer),
        ["audit anchor"] = new(Need.Developer),
        ["purge installation"] = new(Need.Grant, GrantScope.Purge),
        ["personal-data report"] = new(Need.Developer),

        // Backups are system operations (no tenant data is shown). Listing, verifying, drilling and
        // restoring also work as root on an empty database: that is disaster recovery, before
        // the registry itself is back.
        ["backup run"] = new(Need.Developer),
        ["backup list"] = new(Need.Developer, Bootstrap: true),
        ["backup verify"] = new(Need.Developer, Bootstrap: true),
        ["backup drill"] = new(Need.Developer, Bootstrap: true),
        ["restore"] = new(Need.Developer, Bootstrap: true),
    };
}
