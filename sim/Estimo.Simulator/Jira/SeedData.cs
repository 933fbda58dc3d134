namespace Estimo.Simulator.Jira;

/// <summary>
/// The deterministic content of the simulated site: fixed ids, keys, ranks and dates, so tests
/// and demos can name things. Who may do what is summarised in docs/simulator.md.
/// </summary>
public static class SeedData
{
    public const string CloudId = "7c1e5d0a-3f2b-4a8e-9d61-5b2f8c4e0a17";
    public const string SiteName = "estimo-sim";

    public const string StoryPointsFieldId = "customfield_10016";
    public const string StoryPointEstimateFieldId = "customfield_10026";
    public const string SprintFieldId = "customfield_10020";
    public const string RankFieldId = "customfield_10019";

    // Account ids in the two shapes Jira Cloud uses (24 hex-ish chars, and the older "557058:<uuid>").
    public const string AliceId = "5b10a2844c20165700ede21g";
    public const string BobId = "5b10ac8d82e05b22cc7d4ef5";
    public const string CarolId = "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077";
    public const string DaveId = "5d9b3c9a1c2e4b0c8f7a6e51";
    public const string ErinId = "60e5a9c2f1b3d4001234abcd";
    /// <summary>The app's own bot user, acting behind the app system token.</summary>
    public const string AppUserId = "63b1e5f2c4d1a20f8e7b9c01";

    public const string CompanyProject = "EST";
    public const string TeamProject = "TEAM";
    public const string LegacyProject = "LEG";

    private static readonly DateTimeOffset Epoch = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    public static IReadOnlyList<SimUser> Users { get; } =
    [
        new(AliceId, "Alice Adams", "alice@estimo.example", false, "atlassian",
            new Dictionary<string, ProjectAccess>
            {
                [CompanyProject] = ProjectAccess.All,
                [TeamProject] = ProjectAccess.All,
                [LegacyProject] = ProjectAccess.All,
            }, IsSiteAdmin: true),
        new(BobId, "Bob Baker", "bob@estimo.example", true, "atlassian",
            new Dictionary<string, ProjectAccess>
            {
                [CompanyProject] = ProjectAccess.Browse | ProjectAccess.Edit,
                [TeamProject] = ProjectAccess.Browse | ProjectAccess.Edit,
                [LegacyProject] = ProjectAccess.Browse | ProjectAccess.Edit,
            }),
        new(CarolId, "Carol Chen", "carol@estimo.example", false, "atlassian",
            new Dictionary<string, ProjectAccess>
            {
                [CompanyProject] = ProjectAccess.Browse,
                [TeamProject] = ProjectAccess.Browse,
            }),
        new(DaveId, "Dave Dixon", "dave@estimo.example", false, "atlassian",
            new Dictionary<string, ProjectAccess>
            {
                [TeamProject] = ProjectAccess.Browse | ProjectAccess.Edit,
            }),
        new(ErinId, "Erin Evans", "erin@estimo.example", false, "atlassian",
            new Dictionary<string, ProjectAccess>
            {
                [CompanyProject] = ProjectAccess.Browse | ProjectAccess.Edit,
                [LegacyProject] = ProjectAccess.Browse,
            }),
    ];

    public static SimUser AppUser { get; } = new(AppUserId, "Estimo", "", false, "app",
        new Dictionary<string, ProjectAccess>
        {
            [CompanyProject] = ProjectAccess.Browse | ProjectAccess.Edit,
            [TeamProject] = ProjectAccess.Browse | ProjectAccess.Edit,
            [LegacyProject] = ProjectAccess.Browse | ProjectAccess.Edit,
        });

    public static IReadOnlyList<SimProject> Projects { get; } =
    [
        new("10000", CompanyProject, "Estimo Web", TeamManaged: false, StoryPointsFieldId,
            new HashSet<string>(StringComparer.Ordinal) { "summary", "description", "labels", "assignee", StoryPointsFieldId, SprintFieldId }),
        new("10001", TeamProject, "Team Rocket", TeamManaged: true, StoryPointEstimateFieldId,
            new HashSet<string>(StringComparer.Ordinal) { "summary", "description", "labels", "assignee", StoryPointEstimateFieldId, SprintFieldId }),
        // The board estimates with Story Points, but nobody put the field on the edit screen:
        // the app's pre-flight check (editmeta) must notice before a session starts.
        new("10002", LegacyProject, "Legacy Ops", TeamManaged: false, StoryPointsFieldId,
            new HashSet<string>(StringComparer.Ordinal) { "summary", "description", "labels", "assignee", SprintFieldId }),
    ];

    public static IReadOnlyList<SimBoard> Boards { get; } =
    [
        new(1, "EST board", "scrum", CompanyProject, 10000),
        new(2, "TEAM board", "scrum", TeamProject, 10001),
        new(3, "LEG board", "scrum", LegacyProject, 10002),
    ];

    public static IReadOnlyList<SimSprint> Sprints { get; } =
    [
        new(1, 1, "EST Sprint 1", "active", Epoch, Epoch.AddDays(14), "Ship the voting room"),
        new(2, 1, "EST Sprint 2", "future", null, null, "Results and history"),
        new(3, 2, "TEAM Sprint 7", "active", Epoch.AddDays(-3), Epoch.AddDays(11), "Stabilise the launch pad"),
        new(4, 2, "TEAM Sprint 8", "future", null, null, ""),
        new(5, 3, "LEG Sprint 42", "active", Epoch.AddDays(-7), Epoch.AddDays(7), "Keep the lights on"),
        new(6, 1, "EST Sprint 0", "closed", Epoch.AddDays(-14), Epoch, "Walking skeleton"),
    ];

    public static IReadOnlyList<SimStatus> Statuses { get; } =
    [
        new("10000", "To Do", "new", 2, "To Do", "blue-gray"),
        new("3", "In Progress", "indeterminate", 4, "In Progress", "yellow"),
        new("10001", "Done", "done", 3, "Done", "green"),
    ];

    public static IReadOnlyList<SimIssueType> IssueTypes { get; } =
    [
        new("10001", "Story", "Functionality or a feature expressed as a user goal."),
        new("10002", "Task", "A small, distinct piece of work."),
        new("10003", "Bug", "A problem or error."),
    ];

    public static IReadOnlyList<SimField> Fields { get; } =
    [
        new("summary", "Summary", false, "string", null, "summary", null, null),
        new("description", "Description", false, "string", null, "description", null, null),
        new("status", "Status", false, "status", null, "status", null, null),
        new("issuetype", "Issue Type", false, "issuetype", null, "issuetype", null, null),
        new("project", "Project", false, "project", null, "project", null, null),
        new("assignee", "Assignee", false, "user", null, "assignee", null, null),
        new("reporter", "Reporter", false, "user", null, "reporter", null, null),
        new("labels", "Labels", false, "array", "string", "labels", null, null),
        new("created", "Created", false, "datetime", null, "created", null, null),
        new("updated", "Updated", false, "datetime", null, "updated", null, null),
        new("issuekey", "Key", false, "string", null, "issuekey", null, null),
        new(StoryPointsFieldId, "Story Points", true, "number", null, null,
            "com.atlassian.jira.plugin.system.customfieldtypes:float", 10016),
        new(StoryPointEstimateFieldId, "Story point estimate", true, "number", null, null,
            "com.pyxis.greenhopper.jira:jsw-story-points", 10026, ProjectScopeId: "10001"),
        new(SprintFieldId, "Sprint", true, "array", "json", null,
            "com.pyxis.greenhopper.jira:gh-sprint", 10020),
        new(RankFieldId, "Rank", true, "any", null, null,
            "com.pyxis.greenhopper.jira:gh-lexo-rank", 10019),
    ];

    private static readonly double[] EstEstimates = [3.0, 5.0, 2.0];

    private static readonly string[] EstSummaries =
    [
        "Create a planning poker session from a sprint",
        "Invite participants with a shareable link",
        "Show the issue summary and description in the voting room",
        "Hide votes until the facilitator reveals them",
        "Let the facilitator reveal all votes at once",
        "Save the agreed estimate to the Story Points field",
        "Offer Fibonacci, T-shirt and powers-of-two decks",
        "Show vote distribution as a bar chart after reveal",
        "Highlight the highest and lowest voters for discussion",
        "Keep a history of rounds per issue",
        "Allow re-voting on the same issue",
        "Timer for each voting round",
        "Skip an issue and come back to it later",
        "Mark participants as observers who cannot vote",
        "Keyboard shortcuts for picking a card",
        "Dark mode support through design tokens",
        "Announce reveal results to screen readers",
        "Reconnect automatically after a network drop",
        "Export session results as CSV",
        "Warn when the estimate field is not on the edit screen",
        "Handle Jira rate limiting with backoff",
        "Show who has voted without showing the value",
        "Let the facilitator hand over the role",
        "Limit sessions to users who can browse the project",
        "Order the queue by backlog rank",
        "Filter the queue by JQL",
        "Show average and median of the votes",
        "Coffee card that pauses the session",
        "Remember the last deck per project",
        "Translate the UI into German and French",
        "Audit log of estimate changes made by the app",
        "Remove personal data of closed accounts",
        "Fix: reveal button stays disabled after reconnect",
        "Fix: long summaries overflow the card",
    ];

    private static readonly string[] TeamSummaries =
    [
        "Estimate launch checklist items",
        "Integrate the fuel gauge telemetry",
        "Add a countdown widget to the dashboard",
        "Review the onboarding flow for new crew",
        "Migrate mission logs to the new storage",
        "Fix: altitude chart renders upside down",
        "Notify the crew when a sprint starts",
        "Improve search on the mission archive",
        "Spike: evaluate a realtime channel for votes",
        "Document the rollback procedure",
        "Add story point estimate to the card view",
        "Fix: duplicate notifications after deploy",
    ];

    private static readonly string[] LegSummaries =
    [
        "Rotate the database credentials",
        "Patch the legacy mail relay",
        "Move nightly jobs to the new scheduler",
        "Fix: disk alert fires twice",
        "Archive the 2019 tickets",
        "Upgrade the TLS configuration",
    ];

    /// <summary>Builds a fresh, independent copy of every issue.</summary>
    public static List<SimIssue> CreateIssues()
    {
        var issues = new List<SimIssue>();
        var nextId = 10001;
        var rank = 0;

        void Add(string projectKey, string[] summaries, Func<int, int?> sprintFor, Func<int, double?> estimateFor, string estimateField)
        {
            for (var i = 0; i < summaries.Length; i++)
            {
                var number = i + 1;
                var summary = summaries[i];
                var type = summary.StartsWith("Fix:", StringComparison.Ordinal) ? "10003"
                    : summary.StartsWith("Spike:", StringComparison.Ordinal) || summary.StartsWith("Document", StringComparison.Ordinal) ? "10002"
                    : "10001";
                var sprint = sprintFor(number);
                var status = sprint is 1 or 3 or 5 && number % 3 == 0 ? "3"
                    : sprint is 1 or 3 or 5 && number % 5 == 0 ? "10001"
                    : "10000";
                var created = Epoch.AddDays(-30).AddHours(nextId - 10001);
                var issue = new SimIssue
                {
                    Id = (nextId++).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Key = $"{projectKey}-{number}",
                    ProjectKey = projectKey,
                    Number = number,
                    Summary = summary,
                    StatusId = status,
                    IssueTypeId = type,
                    // LexoRank-like strings that sort lexicographically in backlog order.
                    Rank = $"0|i{(++rank * 16).ToString("x5", System.Globalization.CultureInfo.InvariantCulture)}:",
                    SprintId = sprint,
                    ReporterAccountId = AliceId,
                    AssigneeAccountId = number % 4 == 0 ? BobId : null,
                    Created = created,
                    Updated = created,
                    Labels = number % 6 == 0 ? ["ux"] : [],
                };
                var estimate = estimateFor(number);
                issue.Numbers[estimateField] = estimate;
                issues.Add(issue);
            }
        }

        // EST: 6 issues in the active sprint, 4 in the future sprint, 24 in the backlog.
        Add(CompanyProject, EstSummaries,
            n => n <= 6 ? 1 : n <= 10 ? 2 : null,
            n => n <= 3 ? EstEstimates[n - 1] : null,
            StoryPointsFieldId);
        Add(TeamProject, TeamSummaries,
            n => n <= 5 ? 3 : n <= 8 ? 4 : null,
            n => n == 1 ? 8.0 : null,
            StoryPointEstimateFieldId);
        Add(LegacyProject, LegSummaries,
            n => n <= 3 ? 5 : null,
            _ => null,
            StoryPointsFieldId);
        return issues;
    }
}
