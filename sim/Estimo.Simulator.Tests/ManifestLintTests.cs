namespace Estimo.Simulator.Tests;

/// <summary>forge/manifest.yml against Atlassian's own validator (@forge/manifest), through sim/manifest-lint/lint.mjs.</summary>
public sealed class ManifestLintTests
{
    private static readonly string LintFolder = Path.Combine(Repo.Root, "sim", "manifest-lint");

    private static async Task<ProcessResult> LintAsync(string manifestPath)
    {
        await NpmFolder.EnsureInstalledAsync(LintFolder);
        return await Tool.RunAsync("node", ["lint.mjs", manifestPath, "--stub-missing-resources"], LintFolder, TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task TheAppManifest_PassesForgeValidation()
    {
        var result = await LintAsync(Path.Combine(Repo.Root, "forge", "manifest.yml"));
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("ok ", result.StdOut, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("inScopeEUD: false", "inScopeEUD: sometimes", "inScopeEUD")]
    [InlineData("- read:jira-user", "- read:jira-users-and-their-secrets", "read:jira-users-and-their-secrets")]
    [InlineData("key: estimo-remote", "key: estimo remote!", "estimo remote!")]
    public async Task ABrokenCopy_FailsForgeValidation_WithLineNumbers(string original, string broken, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("estimo-broken-").FullName;
        try
        {
            var forgeDir = Directory.CreateDirectory(Path.Combine(dir, "forge")).FullName;
            var text = await File.ReadAllTextAsync(Path.Combine(Repo.Root, "forge", "manifest.yml"), TestContext.Current.CancellationToken);
            Assert.Contains(original, text, StringComparison.Ordinal);
            text = text.Replace(original, broken, StringComparison.Ordinal);
            var path = Path.Combine(forgeDir, "manifest.yml");
            await File.WriteAllTextAsync(path, text, TestContext.Current.CancellationToken);

            var result = await LintAsync(path);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains(expected, result.StdOut, StringComparison.Ordinal);
            Assert.Matches(@"error \d+:\d+ ", result.StdOut);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
