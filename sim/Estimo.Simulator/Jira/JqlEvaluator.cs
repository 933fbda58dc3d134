namespace Estimo.Simulator.Jira;

/// <summary>Runs a parsed <see cref="JqlQuery"/> over the issues a user can browse.</summary>
public static class JqlEvaluator
{
    /// <summary>Matching issues in the query's order (rank ascending when it names none). Call under the site's gate.</summary>
    public static List<SimIssue> Run(JiraSite site, SimUser caller, JqlQuery query)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        var visible = site.Issues.Where(i => !i.Deleted && caller.Can(i.ProjectKey, ProjectAccess.Browse));
        foreach (var clause in query.Clauses)
        {
            var predicate = Compile(site, caller, clause);
            visible = visible.Where(i => predicate(i) != clause.Negated);
        }
        return Sort(visible, query.OrderBy).ToList();
    }

    public static IEnumerable<SimIssue> Sort(IEnumerable<SimIssue> issues, IReadOnlyList<JqlOrder> order)
    {
        if (order.Count == 0)
        {
            return issues.OrderBy(i => i.Rank, StringComparer.Ordinal);
        }
        IOrderedEnumerable<SimIssue>? sorted = null;
        foreach (var o in order)
        {
            sorted = (o.Field, o.Descending, sorted) switch
            {
                ("rank", false, null) => issues.OrderBy(i => i.Rank, StringComparer.Ordinal),
                ("rank", true, null) => issues.OrderByDescending(i => i.Rank, StringComparer.Ordinal),
                ("rank", false, _) => sorted.ThenBy(i => i.Rank, StringComparer.Ordinal),
                ("rank", true, _) => sorted.ThenByDescending(i => i.Rank, StringComparer.Ordinal),
                ("key", false, null) => issues.OrderBy(i => i.ProjectKey, StringComparer.Ordinal).ThenBy(i => i.Number),
                ("key", true, null) => issues.OrderByDescending(i => i.ProjectKey, StringComparer.Ordinal).ThenByDescending(i => i.Number),
                ("key", false, _) => sorted.ThenBy(i => i.ProjectKey, StringComparer.Ordinal).ThenBy(i => i.Number),
                ("key", true, _) => sorted.ThenByDescending(i => i.ProjectKey, StringComparer.Ordinal).ThenByDescending(i => i.Number),
                ("created", false, null) => issues.OrderBy(i => i.Created),
                ("created", true, null) => issues.OrderByDescending(i => i.Created),
                ("created", false, _) => sorted.ThenBy(i => i.Created),
                ("created", true, _) => sorted.ThenByDescending(i => i.Created),
                ("updated", false, null) => issues.OrderBy(i => i.Updated),
                ("updated", true, null) => issues.OrderByDescending(i => i.Updated),
                ("updated", false, _) => sorted.ThenBy(i => i.Updated),
                ("updated", true, _) => sorted.ThenByDescending(i => i.Updated),
                ("summary", false, null) => issues.OrderBy(i => i.Summary, StringComparer.OrdinalIgnoreCase),
                ("summary", true, null) => issues.OrderByDescending(i => i.Summary, StringComparer.OrdinalIgnoreCase),
                ("summary", false, _) => sorted.ThenBy(i => i.Summary, StringComparer.OrdinalIgnoreCase),
                (_, _, _) => sorted!.ThenByDescending(i => i.Summary, StringComparer.OrdinalIgnoreCase),
            };
        }
        return sorted!;
    }

    private static Func<SimIssue, bool> Compile(JiraSite site, SimUser caller, JqlClause clause)
    {
        switch (clause.Field)
        {
            case "project":
            {
                var keys = clause.Values.Select(v =>
                {
                    var project = site.Projects.FirstOrDefault(p =>
                        string.Equals(p.Key, v, StringComparison.OrdinalIgnoreCase) || p.Id == v ||
                        string.Equals(p.Name, v, StringComparison.OrdinalIgnoreCase));
                    // Jira answers the same for a project that does not exist and one the caller cannot see.
                    if (project is null || !caller.Can(project.Key, ProjectAccess.Browse))
                    {
                        throw new JqlException($"The value '{v}' does not exist for the field 'project'.");
                    }
                    return project.Key;
                }).ToHashSet(StringComparer.Ordinal);
                return i => keys.Contains(i.ProjectKey);
            }
            case "sprint" when clause.Function is not null:
            {
                var states = clause.Function switch
                {
                    "opensprints" => new[] { "active", "future" },
                    "futuresprints" => ["future"],
                    _ => ["closed"],
                };
                var ids = site.Sprints.Where(s => states.Contains(s.State)).Select(s => s.Id).ToHashSet();
                return i => i.SprintId is { } id && ids.Contains(id);
            }
            case "sprint":
            {
                var ids = clause.Values.Select(v =>
                {
                    var sprint = site.Sprints.FirstOrDefault(s => s.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == v ||
                        string.Equals(s.Name, v, StringComparison.OrdinalIgnoreCase));
                    return sprint?.Id ?? throw new JqlException($"The value '{v}' does not exist for the field 'sprint'.");
                }).ToHashSet();
                return i => i.SprintId is { } id && ids.Contains(id);
            }
            case "status":
            {
                var ids = clause.Values.Select(v =>
                {
                    var status = SeedData.Statuses.FirstOrDefault(s => s.Id == v || string.Equals(s.Name, v, StringComparison.OrdinalIgnoreCase));
                    return status?.Id ?? throw new JqlException($"The value '{v}' does not exist for the field 'status'.");
                }).ToHashSet(StringComparer.Ordinal);
                return i => ids.Contains(i.StatusId);
            }
            case "issuetype":
            {
                var ids = clause.Values.Select(v =>
                {
                    var type = SeedData.IssueTypes.FirstOrDefault(t => t.Id == v || string.Equals(t.Name, v, StringComparison.OrdinalIgnoreCase));
                    return type?.Id ?? throw new JqlException($"The value '{v}' does not exist for the field 'issuetype'.");
                }).ToHashSet(StringComparer.Ordinal);
                return i => ids.Contains(i.IssueTypeId);
            }
            default:
            {
                var ids = clause.Values.Select(v =>
                {
                    var issue = site.FindIssue(v);
                    if (issue is null || !caller.Can(issue.ProjectKey, ProjectAccess.Browse))
                    {
                        throw new JqlException($"An issue with key '{v}' does not exist for field 'key'.");
                    }
                    return issue.Id;
                }).ToHashSet(StringComparer.Ordinal);
                return i => ids.Contains(i.Id);
            }
        }
    }
}
