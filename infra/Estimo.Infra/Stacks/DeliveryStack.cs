using Amazon.CDK;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.IAM;
using Constructs;

namespace Estimo.Infra.Stacks;

/// <summary>
/// What the pipeline needs before any environment exists: the image repository and the role
/// GitHub Actions assumes through OIDC (so no long-lived AWS key is stored anywhere). The
/// role may only be assumed by workflow jobs running in the repository's protected
/// <c>staging</c> and <c>production</c> environments.
/// </summary>
public sealed class DeliveryStack : ResidentStack
{
    public DeliveryStack(Construct scope, string id, string region, string gitHubRepository)
        : base(scope, id, region, "Estimo: image repository and the CI deploy role")
    {
        Repository = new Repository(this, "Repository", new RepositoryProps
        {
            RepositoryName = ServiceStack.RepositoryName,
            ImageTagMutability = TagMutability.IMMUTABLE,
            ImageScanOnPush = true,
            Encryption = RepositoryEncryption.KMS,
            RemovalPolicy = RemovalPolicy.RETAIN,
            LifecycleRules = [new LifecycleRule { Description = "Keep the last 50 images", MaxImageCount = 50 }],
        });

        var gitHub = new OpenIdConnectProvider(this, "GitHubOidc", new OpenIdConnectProviderProps
        {
            Url = "https://token.actions.githubusercontent.com",
            ClientIds = ["sts.amazonaws.com"],
        });

        DeployRole = new Role(this, "DeployRole", new RoleProps
        {
            RoleName = "estimo-github-deploy",
            Description = "Assumed by GitHub Actions (OIDC) in the staging and production environments",
            MaxSessionDuration = Duration.Hours(1),
            AssumedBy = new WebIdentityPrincipal(gitHub.OpenIdConnectProviderArn, new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["token.actions.githubusercontent.com:aud"] = "sts.amazonaws.com" },
                ["StringLike"] = new Dictionary<string, object>
                {
                    ["token.actions.githubusercontent.com:sub"] = new[]
                    {
                        $"repo:{gitHubRepository}:environment:staging",
                        $"repo:{gitHubRepository}:environment:production",
                    },
                },
            }),
        });
        Repository.GrantPullPush(DeployRole);
        // CloudFormation changes go through the CDK bootstrap roles, never this role directly.
        DeployRole.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["sts:AssumeRole"],
            Resources = [$"arn:aws:iam::{Account}:role/cdk-hnb659fds-*-{Account}-{Region}"],
        }));
    }

    public Repository Repository { get; }

    public Role DeployRole { get; }
}
