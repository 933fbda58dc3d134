namespace Estimo.Infra.Tests;

/// <summary>Practice: "an automatic deploy" — by a short-lived role, to immutable images.</summary>
public sealed class DeliveryTests(Synthesis synthesis)
{
    [Fact]
    public void AutomaticDeploy_TheDeployRoleIsAssumableOnlyFromTheRepositorysProtectedEnvironments()
    {
        var (_, role) = Assert.Single(synthesis.Delivery.Resources("AWS::IAM::Role"), r => (string?)r.Properties["RoleName"] == "estimo-github-deploy");
        var statement = Assert.Single(role["AssumeRolePolicyDocument"]!["Statement"].Objects());

        Assert.Equal("sts:AssumeRoleWithWebIdentity", (string?)statement["Action"]);
        Assert.Equal("sts.amazonaws.com", (string?)statement["Condition"]!["StringEquals"]!["token.actions.githubusercontent.com:aud"]);
        var subjects = statement["Condition"]!["StringLike"]!["token.actions.githubusercontent.com:sub"].Text();
        Assert.Contains(":environment:staging", subjects, StringComparison.Ordinal);
        Assert.Contains(":environment:production", subjects, StringComparison.Ordinal);
        Assert.DoesNotContain(":*\"", subjects, StringComparison.Ordinal);
    }

    [Fact]
    public void AutomaticDeploy_ImageTagsAreImmutableAndScanned()
    {
        var (_, repository) = Assert.Single(synthesis.Delivery.Resources("AWS::ECR::Repository"));

        Assert.Equal("IMMUTABLE", (string?)repository["ImageTagMutability"]);
        Assert.Equal(true, (bool?)repository["ImageScanningConfiguration"]!["ScanOnPush"]);
    }
}
