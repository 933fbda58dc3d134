using Amazon.CDK.AWS.EC2;
using Constructs;

namespace Estimo.Infra.Stacks;

/// <summary>
/// Security-group rules between stacks. They are written as explicit rule resources in the
/// stack that owns the *source* (the consumer), so a later stack can open a port on an earlier
/// stack's group without making the earlier stack depend on it (which would be a cycle).
/// </summary>
internal static class SecurityRules
{
    public static void Allow(Construct scope, string id, ISecurityGroup from, ISecurityGroup to, int port, string description)
    {
        new CfnSecurityGroupIngress(scope, $"{id}In", new CfnSecurityGroupIngressProps
        {
            GroupId = to.SecurityGroupId,
            SourceSecurityGroupId = from.SecurityGroupId,
            IpProtocol = "tcp",
            FromPort = port,
            ToPort = port,
            Description = description,
        });
        new CfnSecurityGroupEgress(scope, $"{id}Out", new CfnSecurityGroupEgressProps
        {
            GroupId = from.SecurityGroupId,
            DestinationSecurityGroupId = to.SecurityGroupId,
            IpProtocol = "tcp",
            FromPort = port,
            ToPort = port,
            Description = description,
        });
    }
}
