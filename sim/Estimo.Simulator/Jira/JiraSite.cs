namespace Estimo.Simulator.Jira;

/// <summary>
/// The in-memory state of the simulated Jira site. Every read and write takes <see cref="Gate"/>:
/// the site is small and the simulator favours obviously-correct over concurrent.
/// </summary>
public sealed class JiraSite
{
    private List<SimIssue> _issues = SeedData.CreateIssues();

    public Lock Gate { get; } = new();

    public IReadOnlyList<SimUser> Users => SeedData.Users;
    public IReadOnlyList<SimProject> Projects => SeedData.Projects;
    public IReadOnlyList<SimBoard> Boards => SeedData.Boards;
    public IReadOnlyList<SimSprint> Sprints => SeedData.Sprints;
    public IReadOnlyList<SimField> Fields => SeedData.Fields;
    public IReadOnlyList<SimIssue> Issues => _issues;

    /// <summary>Throws away every change and goes back to the seed.</summary>
    public void Reset()
    {
        lock (Gate)
        {
            _issues = SeedData.CreateIssues();
        }
    }

    public SimUser? FindUser(string accountId) =>
        accountId == SeedData.AppUserId ? SeedData.AppUser : Users.FirstOrDefault(u => u.AccountId == accountId);

    public SimProject? FindProject(string keyOrId) =>
        Projects.FirstOrDefault(p => string.Equals(p.Key, keyOrId, StringComparison.OrdinalIgnoreCase) || p.Id == keyOrId);

    public SimProject ProjectOf(SimIssue issue) => Projects.First(p => p.Key == issue.ProjectKey);

    public SimBoard? FindBoard(int id) => Boards.FirstOrDefault(b => b.Id == id);

    public SimSprint? FindSprint(int id) => Sprints.FirstOrDefault(s => s.Id == id);

    public SimStatus StatusOf(SimIssue issue) => SeedData.Statuses.First(s => s.Id == issue.StatusId);

    public SimIssueType IssueTypeOf(SimIssue issue) => SeedData.IssueTypes.First(t => t.Id == issue.IssueTypeId);

    public SimField? FindField(string id) => Fields.FirstOrDefault(f => f.Id == id);

    /// <summary>Finds a live issue by id or key (keys are case-insensitive, like Jira's).</summary>
    public SimIssue? FindIssue(string idOrKey) =>
        _issues.FirstOrDefault(i => !i.Deleted &&
            (i.Id == idOrKey || string.Equals(i.Key, idOrKey, StringComparison.OrdinalIgnoreCase)));
}
