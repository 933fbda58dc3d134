using Estimo.Infra.Stacks;

namespace Estimo.Infra.Tests;

/// <summary>Practices: HTTPS only, with modern TLS; the service runs locked down in private subnets.</summary>
public sealed class ServiceTests(Synthesis synthesis)
{
    public static TheoryData<string> Environments => ["staging", "production"];

    /// <summary>ELB policies that refuse TLS 1.0 and 1.1.</summary>
    private static readonly string[] Tls12OrNewerPolicies =
    [
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        "ELBSecurityPolicy-TLS13-1-3-2021-06",
        "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    ];

    [Theory]
    [MemberData(nameof(Environments))]
    public void HttpsIsTheOnlyProtocolIn_TheLoadBalancerHasNoHttpListener(string environment)
    {
        var listeners = synthesis.Environments[environment].Service.Resources("AWS::ElasticLoadBalancingV2::Listener").ToList();

        var (_, https) = Assert.Single(listeners);
        Assert.Equal("HTTPS", (string?)https["Protocol"]);
        Assert.Equal(443, https["Port"].Number());
        Assert.DoesNotContain(listeners, l => l.Properties["Port"].Number() == 80 || (string?)l.Properties["Protocol"] == "HTTP");
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void HttpsIsTheOnlyProtocolIn_TheListenerUsesATls12OrNewerPolicyAndTheConfiguredCertificate(string environment)
    {
        var (_, https) = Assert.Single(synthesis.Environments[environment].Service.Resources("AWS::ElasticLoadBalancingV2::Listener"));

        Assert.Contains((string?)https["SslPolicy"], Tls12OrNewerPolicies);
        var certificate = Assert.Single(https["Certificates"].Objects());
        Assert.Equal(synthesis.Environments[environment].Stage.Settings.CertificateArn, (string?)certificate["CertificateArn"]);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void HttpsIsTheOnlyProtocolIn_TargetsAreHealthCheckedOnHealthReadyOverHttps(string environment)
    {
        var (_, group) = Assert.Single(synthesis.Environments[environment].Service.Resources("AWS::ElasticLoadBalancingV2::TargetGroup"));

        Assert.Equal("HTTPS", (string?)group["Protocol"]);
        Assert.Equal("/health/ready", (string?)group["HealthCheckPath"]);
        Assert.Equal("HTTPS", (string?)group["HealthCheckProtocol"]);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void FargateTasks_RunAsNonRootOnAReadOnlyRootFilesystemWithOnlyTmpWritable(string environment)
    {
        var (_, task) = Assert.Single(synthesis.Environments[environment].Service.Resources("AWS::ECS::TaskDefinition"));
        var container = Assert.Single(task["ContainerDefinitions"].Objects());

        var user = (string?)container["User"];
        Assert.False(string.IsNullOrEmpty(user));
        Assert.DoesNotContain(user!.Split(':')[0], new[] { "0", "root" });
        Assert.Equal(ServiceStack.ContainerUser, user);
        Assert.Equal(true, (bool?)container["ReadonlyRootFilesystem"]);
        Assert.NotEqual(true, (bool?)container["Privileged"]);
        var mount = Assert.Single(container["MountPoints"].Objects());
        Assert.Equal("/tmp", (string?)mount["ContainerPath"]);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void FargateTasks_RunInPrivateSubnetsWithoutPublicAddresses(string environment)
    {
        var (_, service) = Assert.Single(synthesis.Environments[environment].Service.Resources("AWS::ECS::Service"));
        var network = service["NetworkConfiguration"]!["AwsvpcConfiguration"]!;

        Assert.Equal("DISABLED", (string?)network["AssignPublicIp"]);
        var subnets = network["Subnets"]!.AsArray();
        Assert.Equal(3, subnets.Count);
        Assert.All(subnets, s => Assert.Contains("VpccomputeSubnet", s.Text(), StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void FargateTasks_GetSecretsFromSecretsManagerNotFromPlainEnvironment(string environment)
    {
        var (_, task) = Assert.Single(synthesis.Environments[environment].Service.Resources("AWS::ECS::TaskDefinition"));
        var container = Assert.Single(task["ContainerDefinitions"].Objects());

        var secretNames = container["Secrets"].Objects().Select(s => (string?)s["Name"]).ToList();
        Assert.Contains("Storage__Password", secretNames);
        Assert.Contains("Logs__Elasticsearch__ApiKey", secretNames);
        Assert.Contains("Logs__Elasticsearch__CloudId", secretNames);
        Assert.DoesNotContain(secretNames, n => n!.StartsWith("Logging__", StringComparison.Ordinal));
        // Each ValueFrom is "<secret ARN>:<json key>::" (the ARN imported from the owning stack).
        Assert.All(container["Secrets"].Objects(), s => Assert.Matches(@"Fn::ImportValue.*:[A-Za-z]+::", s["ValueFrom"].Text()));
        Assert.DoesNotContain(container["Environment"].Objects(), e =>
            ((string?)e["Name"])!.Contains("Password", StringComparison.OrdinalIgnoreCase)
            || ((string?)e["Name"])!.Contains("ApiKey", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void SensitiveDataIsEncryptedWithAes256_TheServiceWrapsDataKeysWithTheCustomerManagedKmsKey(string environment)
    {
        var (_, task) = Assert.Single(synthesis.Environments[environment].Service.Resources("AWS::ECS::TaskDefinition"));
        var container = Assert.Single(task["ContainerDefinitions"].Objects());
        var variables = container["Environment"].Objects().ToDictionary(e => (string?)e["Name"] ?? string.Empty, e => e["Value"]);

        Assert.Equal("Kms", (string?)variables["Security__KeyProvider"]);
        Assert.Contains("Fn::ImportValue", variables["Security__Kms__KeyArn"].Text(), StringComparison.Ordinal);
    }

    [Fact]
    public void FargateTasks_ProductionRunsAtLeastTwoTasksForAzFailure()
    {
        var (_, service) = Assert.Single(synthesis.Environments["production"].Service.Resources("AWS::ECS::Service"));

        Assert.True(service["DesiredCount"].Number() >= 2);
    }
}
