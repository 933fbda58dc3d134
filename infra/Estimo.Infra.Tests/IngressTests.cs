using System.Text.Json.Nodes;
using Estimo.Infra.Configuration;
using Estimo.Infra.Stacks;

namespace Estimo.Infra.Tests;

/// <summary>Practice: "HTTPS and SSH are the only protocols in, and SSH is for support engineers only".</summary>
public sealed class IngressTests(Synthesis synthesis)
{
    /// <summary>Every ingress rule of an environment: inline on a group, or a standalone rule resource.</summary>
    private static List<(string Group, JsonObject Rule)> IngressRules(SynthesizedEnvironment environment)
    {
        var rules = new List<(string, JsonObject)>();
        foreach (var (_, id, properties) in environment.Resources("AWS::EC2::SecurityGroup"))
        {
            rules.AddRange(properties["SecurityGroupIngress"].Objects().Select(rule => (id, rule)));
        }

        foreach (var (_, _, properties) in environment.Resources("AWS::EC2::SecurityGroupIngress"))
        {
            rules.Add((properties["GroupId"].Text(), properties));
        }

        return rules;
    }

    [Theory]
    [InlineData("staging")]
    [InlineData("production")]
    public void OnlyHttpsAndSshComeIn_TheOnlyRulesFromOutsideAre443ToTheLoadBalancerAnd22FromAdminNetworksToTheBastion(string environment)
    {
        var rules = IngressRules(synthesis.Environments[environment]);
        var fromNetworks = rules.Where(r => r.Rule["CidrIp"] is not null || r.Rule["CidrIpv6"] is not null).ToList();

        Assert.NotEmpty(fromNetworks);
        Assert.All(fromNetworks, r =>
        {
            var port = r.Rule["FromPort"].Number();
            Assert.Equal(port, r.Rule["ToPort"].Number());
            Assert.Equal("tcp", (string?)r.Rule["IpProtocol"]);
            Assert.Null(r.Rule["CidrIpv6"]);
            if (r.Group.StartsWith("LoadBalancerSg", StringComparison.Ordinal))
            {
                Assert.Equal(443, port);
                Assert.Equal("0.0.0.0/0", (string?)r.Rule["CidrIp"]);
            }
            else
            {
                Assert.StartsWith("BastionSg", r.Group, StringComparison.Ordinal);
                Assert.Equal(22, port);
                Assert.Equal(EnvironmentSettings.PlaceholderAdminCidr, (string?)r.Rule["CidrIp"]);
            }
        });
        Assert.Contains(fromNetworks, r => r.Rule["FromPort"].Number() == 443);
        Assert.Contains(fromNetworks, r => r.Rule["FromPort"].Number() == 22);
    }

    [Theory]
    [InlineData("staging")]
    [InlineData("production")]
    public void NoOtherIngressAnywhere_InsideTheVpcOnlyNamedGroupsReachNamedPorts(string environment)
    {
        var internalRules = IngressRules(synthesis.Environments[environment])
            .Where(r => r.Rule["CidrIp"] is null && r.Rule["CidrIpv6"] is null)
            .ToList();

        Assert.All(internalRules, r =>
        {
            Assert.NotNull(r.Rule["SourceSecurityGroupId"]);
            Assert.Equal("tcp", (string?)r.Rule["IpProtocol"]);
            Assert.Equal(r.Rule["FromPort"].Number(), r.Rule["ToPort"].Number());
            Assert.Contains(r.Rule["FromPort"].Number(), new double?[] { ServiceStack.ContainerHttpsPort, DataStack.DatabasePort, 443 });
        });
        Assert.Equal(4, internalRules.Count); // LB→remote, remote→db, remote→endpoints, bastion→db
    }

    [Fact]
    public void NoOtherIngressAnywhere_TheDefaultSecurityGroupIsStrippedOfItsRules()
    {
        synthesis.Environments["production"].Network.Template.ResourceCountIs("Custom::VpcRestrictDefaultSG", 1);
    }

    [Fact]
    public void NoOtherIngressAnywhere_InterfaceEndpointsDoNotOpenThemselvesToTheWholeVpc()
    {
        var endpoints = synthesis.Environments["production"].Network.Resources("AWS::EC2::SecurityGroup")
            .Single(g => g.Id.StartsWith("EndpointsSg", StringComparison.Ordinal));

        Assert.Null(endpoints.Properties["SecurityGroupIngress"]);
    }

    [Fact]
    public void SshIsForSupportEngineersOnly_AnAdminNetworkWiderThanSlash16IsRefused()
    {
        var settings = ResidencyTests.Settings() with { AdminCidrs = ["0.0.0.0/0"] };

        var error = Assert.Throws<ArgumentException>(settings.Validate);

        Assert.Contains("estimo:production:adminCidrs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DataHasNoRouteOut_IsolatedDataSubnetsHaveNoDefaultRoute()
    {
        var routes = synthesis.Environments["production"].Network.Resources("AWS::EC2::Route").ToList();

        Assert.NotEmpty(routes);
        Assert.DoesNotContain(routes, r => r.Id.StartsWith("VpcdataSubnet", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("staging", 1)]
    [InlineData("production", 3)]
    public void AwsApisStayOffTheInternet_EveryEndpointTheServiceNeedsExists(string environment, int zones)
    {
        var network = synthesis.Environments[environment].Network;
        var endpoints = network.Resources("AWS::EC2::VPCEndpoint").ToList();
        var services = endpoints.Select(e => e.Properties["ServiceName"].Text()).ToList();

        foreach (var service in new[] { ".s3", ".ecr.api", ".ecr.dkr", ".secretsmanager", ".kms", ".logs", ".ssm\"", ".ssmmessages", ".ec2messages" })
        {
            Assert.Contains(services, s => s.Contains(service, StringComparison.Ordinal));
        }

        Assert.All(endpoints.Where(e => (string?)e.Properties["VpcEndpointType"] == "Interface"),
            e => Assert.Equal(zones, e.Properties["SubnetIds"]!.AsArray().Count));
    }
}
