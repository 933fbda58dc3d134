using Estimo.Infra.Stacks;

namespace Estimo.Infra.Tests;

/// <summary>
/// Practice: "changes go through CI (unit and acceptance tests), a reviewed pull request, tests
/// again on main, a manual UI check, then an automatic deploy". The workflows are the
/// evidence; these tests keep them saying so (the schema itself is checked by
/// scripts/lint-workflows.sh).
/// </summary>
public sealed class ChangeControlTests
{
    private static string Read(string path) => File.ReadAllText(AccessStack.RepositoryFile(path));

    [Fact]
    public void ChangesGoThroughCi_OnEveryPullRequestAndAgainOnMain_WithTheLocalTestEntryPoint()
    {
        var ci = Read(".github/workflows/ci.yml");

        Assert.Contains("\n  pull_request:", ci, StringComparison.Ordinal);
        Assert.Contains("branches: [main]", ci, StringComparison.Ordinal);
        Assert.Contains("run: ./scripts/test.sh", ci, StringComparison.Ordinal);
    }

    [Fact]
    public void AutomaticDeploy_StartsOnlyFromAGreenCiRunOfMain()
    {
        var deploy = Read(".github/workflows/deploy.yml");

        Assert.Contains("workflows: [CI]", deploy, StringComparison.Ordinal);
        Assert.Contains("branches: [main]", deploy, StringComparison.Ordinal);
        Assert.Contains("github.event.workflow_run.conclusion == 'success'", deploy, StringComparison.Ordinal);
        Assert.DoesNotContain("aws-access-key-id", deploy, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("role-to-assume", deploy, StringComparison.Ordinal);
    }

    [Fact]
    public void ManualUiCheck_ProductionWaitsForStagingAndTheProtectedProductionEnvironment()
    {
        var deploy = Read(".github/workflows/deploy.yml");
        var production = deploy[deploy.IndexOf("\n  production:", StringComparison.Ordinal)..];

        Assert.Contains("needs: staging", production, StringComparison.Ordinal);
        Assert.Contains("name: production", production, StringComparison.Ordinal);
        Assert.Contains("forge deploy --environment production", production, StringComparison.Ordinal);
        Assert.Contains("./scripts/smoke-test.sh", deploy[..deploy.IndexOf("\n  production:", StringComparison.Ordinal)], StringComparison.Ordinal);
    }

    [Fact]
    public void ReviewedPullRequest_EveryPathHasACodeOwner()
    {
        var owners = Read(".github/CODEOWNERS");

        Assert.Contains(owners.Split('\n'), line => line.StartsWith("* ", StringComparison.Ordinal));
    }
}
