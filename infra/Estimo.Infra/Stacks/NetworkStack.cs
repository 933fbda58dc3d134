using Amazon.CDK.AWS.EC2;
using Constructs;
using Estimo.Infra.Configuration;
using Estimo.Infra.Residency;

namespace Estimo.Infra.Stacks;

/// <summary>
/// The VPC: public subnets hold only the load balancer, the NAT gateways and the support
/// bastion; compute runs in private subnets; the database sits in isolated subnets with no
/// route out at all. AWS APIs the service needs are reached through VPC endpoints so that
/// their traffic never leaves the AWS network.
/// </summary>
public sealed class NetworkStack : ResidentStack
{
    public const string PublicSubnets = "edge";
    public const string ComputeSubnets = "compute";
    public const string DataSubnets = "data";

    public NetworkStack(Construct scope, string id, EnvironmentSettings settings)
        : base(scope, id, settings.Region, $"Estimo {settings.Name}: VPC across {string.Join(", ", DataResidency.AvailabilityZones)}")
    {
        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            IpAddresses = IpAddresses.Cidr("10.40.0.0/16"),
            AvailabilityZones = [.. DataResidency.AvailabilityZones],
            NatGateways = settings.NatGateways,
            RestrictDefaultSecurityGroup = true,
            SubnetConfiguration =
            [
                new SubnetConfiguration { Name = PublicSubnets, SubnetType = SubnetType.PUBLIC, CidrMask = 24, MapPublicIpOnLaunch = false },
                new SubnetConfiguration { Name = ComputeSubnets, SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = 22 },
                new SubnetConfiguration { Name = DataSubnets, SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = 24 },
            ],
        });

        // Gateway endpoint: ECR image layers and the backup bucket are S3 traffic.
        Vpc.AddGatewayEndpoint("S3", new GatewayVpcEndpointOptions
        {
            Service = GatewayVpcEndpointAwsService.S3,
            Subnets = [new SubnetSelection { SubnetGroupName = ComputeSubnets }, new SubnetSelection { SubnetGroupName = DataSubnets }],
        });

        // Interface endpoints accept 443 only from security groups that the service and access
        // stacks attach (see SecurityRules); "Open = false" stops CDK adding a VPC-wide rule.
        EndpointSecurityGroup = new SecurityGroup(this, "EndpointsSg", new SecurityGroupProps
        {
            Vpc = Vpc,
            Description = "Interface VPC endpoints: 443 from Estimo workloads only",
            AllowAllOutbound = false,
        });

        var interfaceEndpoints = new Dictionary<string, InterfaceVpcEndpointAwsService>
        {
            ["EcrApi"] = InterfaceVpcEndpointAwsService.ECR,
            ["EcrDocker"] = InterfaceVpcEndpointAwsService.ECR_DOCKER,
            ["SecretsManager"] = InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
            ["Kms"] = InterfaceVpcEndpointAwsService.KMS,
            ["Logs"] = InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
            // Session Manager needs all three.
            ["Ssm"] = InterfaceVpcEndpointAwsService.SSM,
            ["SsmMessages"] = InterfaceVpcEndpointAwsService.SSM_MESSAGES,
            ["Ec2Messages"] = InterfaceVpcEndpointAwsService.EC2_MESSAGES,
        };
        // Each endpoint costs per AZ-hour: production keeps one in every AZ so an AZ outage
        // cannot cut the tasks off from ECR and Secrets Manager; staging makes do with AZ a.
        var endpointSubnets = settings.Name == "production"
            ? new SubnetSelection { SubnetGroupName = ComputeSubnets }
            : new SubnetSelection { SubnetGroupName = ComputeSubnets, AvailabilityZones = [DataResidency.AvailabilityZones[0]] };
        foreach (var (name, service) in interfaceEndpoints)
        {
            Vpc.AddInterfaceEndpoint(name, new InterfaceVpcEndpointOptions
            {
                Service = service,
                Subnets = endpointSubnets,
                SecurityGroups = [EndpointSecurityGroup],
                Open = false,
                PrivateDnsEnabled = true,
            });
        }
    }

    public Vpc Vpc { get; }

    public SecurityGroup EndpointSecurityGroup { get; }
}
