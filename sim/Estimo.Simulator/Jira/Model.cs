namespace Estimo.Simulator.Jira;

/// <summary>What a user may do in one project. Mirrors the three Jira project permissions Estimo cares about.</summary>
[Flags]
public enum ProjectAccess
{
    None = 0,
    Browse = 1,
    Edit = 2,
    Administer = 4,
    All = Browse | Edit | Administer,
}

/// <summary>A person (or the app's bot user) on the simulated site.</summary>
public sealed record SimUser(
    string AccountId,
    string DisplayName,
    string EmailAddress,
    bool EmailVisibleToOthers,
    string AccountType,
    IReadOnlyDictionary<string, ProjectAccess> Permissions,
    bool IsSiteAdmin = false)
{
    public ProjectAccess PermissionsIn(string projectKey) =>
        Permissions.TryGetValue(projectKey, out var p) ? p : ProjectAccess.None;

    public bool Can(string projectKey, ProjectAccess permission) =>
        (PermissionsIn(projectKey) & permission) == permission;
}

/// <summary>A Jira project. <see cref="EstimateFieldId"/> is the field its boards estimate with.</summary>
public sealed record SimProject(
    string Id,
    string Key,
    string Name,
    bool TeamManaged,
    string EstimateFieldId,
    IReadOnlySet<string> EditScreenFields);

public sealed record SimBoard(int Id, string Name, string Type, string ProjectKey, int FilterId);

public sealed record SimSprint(
    int Id,
    int BoardId,
    string Name,
    string State,
    DateTimeOffset? StartDate,
    DateTimeOffset? EndDate,
    string Goal);

public sealed record SimStatus(string Id, string Name, string CategoryKey, int CategoryId, string CategoryName, string CategoryColor);

public sealed record SimIssueType(string Id, string Name, string Description);

/// <summary>A field the site knows about, as <c>GET /rest/api/3/field</c> lists it.</summary>
public sealed record SimField(
    string Id,
    string Name,
    bool Custom,
    string SchemaType,
    string? SchemaItems,
    string? SystemName,
    string? CustomType,
    int? CustomId,
    string? ProjectScopeId = null);

/// <summary>A mutable issue: the simulator's only writable Jira entity besides properties.</summary>
public sealed class SimIssue
{
    public required string Id { get; init; }
    public required string Key { get; init; }
    public required string ProjectKey { get; init; }
    public required int Number { get; init; }
    public required string Summary { get; set; }
    public required string StatusId { get; set; }
    public required string IssueTypeId { get; init; }
    public required string Rank { get; init; }
    public int? SprintId { get; set; }
    public string? AssigneeAccountId { get; set; }
    public required string ReporterAccountId { get; init; }
    public required DateTimeOffset Created { get; init; }
    public DateTimeOffset Updated { get; set; }
    public List<string> Labels { get; init; } = [];
    /// <summary>Numeric custom field values (estimates) by field id; absent means null.</summary>
    public Dictionary<string, double?> Numbers { get; init; } = new(StringComparer.Ordinal);
    /// <summary>Issue entity properties: key → raw JSON text.</summary>
    public Dictionary<string, string> Properties { get; init; } = new(StringComparer.Ordinal);
    public bool Deleted { get; set; }
}
