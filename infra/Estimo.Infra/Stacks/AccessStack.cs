using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Constructs;
using Estimo.Infra.Configuration;

namespace Estimo.Infra.Stacks;

/// <summary>
/// How people get in. "SSH is for support engineers only, with keys": one small bastion that
/// accepts port 22 from the configured admin networks only, whose sshd allows public keys of
/// the estimo-support group and nothing else. Session Manager reaches the same host without any
/// open port and is the preferred route (docs/infrastructure.md). People sign in to AWS through
/// two IAM groups whose every permission requires MFA.
/// </summary>
public sealed class AccessStack : ResidentStack
{
    /// <summary>Where the hardened sshd drop-in lives in the repository.</summary>
    public const string SshdConfigPath = "ops/ssh/sshd_config.d/estimo-support.conf";

    public AccessStack(Construct scope, string id, EnvironmentSettings settings, NetworkStack network, DataStack data, ServiceStack service)
        : base(scope, id, settings.Region, $"Estimo {settings.Name}: support bastion and IAM groups")
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(service);
        AddDependency(data);

        BastionSecurityGroup = new SecurityGroup(this, "BastionSg", new SecurityGroupProps
        {
            Vpc = network.Vpc,
            Description = "Support bastion: SSH from the admin networks only",
            AllowAllOutbound = false,
        });
        foreach (var cidr in settings.AdminCidrs)
        {
            BastionSecurityGroup.AddIngressRule(Peer.Ipv4(cidr), Port.Tcp(22), "SSH for support engineers");
        }

        // Package updates (Amazon Linux repositories are HTTPS) and Session Manager.
        BastionSecurityGroup.AddEgressRule(Peer.AnyIpv4(), Port.Tcp(443), "HTTPS for updates and Session Manager");
        SecurityRules.Allow(this, "BastionToDatabase", BastionSecurityGroup, data.DatabaseSecurityGroup, DataStack.DatabasePort, "Support bastion to PostgreSQL");

        var role = new Role(this, "BastionRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("ec2.amazonaws.com"),
            Description = "Support bastion: Session Manager only",
            ManagedPolicies = [ManagedPolicy.FromAwsManagedPolicyName("AmazonSSMManagedInstanceCore")],
        });

        Bastion = new Instance_(this, "Bastion", new InstanceProps
        {
            Vpc = network.Vpc,
            VpcSubnets = new SubnetSelection { SubnetGroupName = NetworkStack.PublicSubnets, AvailabilityZones = [Residency.DataResidency.AvailabilityZones[0]] },
            AssociatePublicIpAddress = true,
            InstanceType = InstanceType.Of(InstanceClass.BURSTABLE4_GRAVITON, InstanceSize.NANO),
            MachineImage = MachineImage.LatestAmazonLinux2023(new AmazonLinux2023ImageSsmParameterProps { CpuType = AmazonLinuxCpuType.ARM_64 }),
            KeyPair = KeyPair.FromKeyPairName(this, "SupportKeyPair", settings.SupportKeyPairName),
            SecurityGroup = BastionSecurityGroup,
            Role = role,
            RequireImdsv2 = true,
            UserData = BastionUserData(),
            UserDataCausesReplacement = true,
            BlockDevices =
            [
                new BlockDevice
                {
                    DeviceName = "/dev/xvda",
                    Volume = BlockDeviceVolume.Ebs(8, new EbsDeviceOptions
                    {
                        Encrypted = true,
                        KmsKey = data.DataKey,
                        VolumeType = EbsDeviceVolumeType.GP3,
                        DeleteOnTermination = true,
                    }),
                },
            ],
        });
        Amazon.CDK.Tags.Of(Bastion).Add("estimo:role", "support-bastion");

        Developers = new Group(this, "Developers", new GroupProps { GroupName = $"estimo-{settings.Name}-developers" });
        SupportEngineers = new Group(this, "SupportEngineers", new GroupProps { GroupName = $"estimo-{settings.Name}-support-engineers" });

        // Developers read what production is doing; they change it only through the pipeline.
        AddGroupPolicy(Developers, "DeveloperReadOnly",
        [
            Allow(["logs:Describe*", "logs:Get*", "logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults",
                "cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*",
                "ecs:Describe*", "ecs:List*", "elasticloadbalancing:Describe*"], ["*"]),
        ]);
        // Support engineers additionally open sessions on the bastion, and nothing else.
        AddGroupPolicy(SupportEngineers, "SupportAccess",
        [
            Allow(["logs:Describe*", "logs:Get*", "logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults",
                "cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*", "ecs:Describe*", "ecs:List*", "ec2:DescribeInstances"], ["*"]),
            Allow(["ssm:StartSession"],
            [
                FormatArn(new ArnComponents { Service = "ec2", Resource = "instance", ResourceName = Bastion.InstanceId }),
                $"arn:aws:ssm:{Region}::document/AWS-StartSSHSession",
                $"arn:aws:ssm:{Region}:{Account}:document/SSM-SessionManagerRunShell",
            ]),
            Allow(["ssm:TerminateSession", "ssm:ResumeSession"], [$"arn:aws:ssm:*:{Account}:session/${{aws:username}}-*"]),
        ]);
    }

    public SecurityGroup BastionSecurityGroup { get; }

    public Instance_ Bastion { get; }

    public Group Developers { get; }

    public Group SupportEngineers { get; }

    /// <summary>Finds the repository root (the folder holding Estimo.slnx) from the working or build directory.</summary>
    public static string RepositoryFile(string relativePath)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Estimo.slnx")))
                {
                    return Path.Combine(dir.FullName, relativePath);
                }
            }
        }

        throw new FileNotFoundException($"Cannot find the repository root (Estimo.slnx) to read {relativePath}.");
    }

    private static UserData BastionUserData()
    {
        var sshdConfig = File.ReadAllText(RepositoryFile(SshdConfigPath)).TrimEnd();
        var userData = UserData.ForLinux();
        userData.AddCommands(
            "set -euo pipefail",
            "dnf -y upgrade --security",
            "groupadd --system --force estimo-support",
            // The key pair's account is the break-glass member; named engineers are added by the runbook.
            "usermod -aG estimo-support ec2-user",
            // sshd takes the first value it reads and includes sshd_config.d/*.conf in name order,
            // so the 00- prefix puts our settings ahead of the distribution's 50-redhat.conf.
            "cat > /etc/ssh/sshd_config.d/00-estimo-support.conf <<'ESTIMO_SSHD'",
            sshdConfig,
            "ESTIMO_SSHD",
            "chmod 0600 /etc/ssh/sshd_config.d/00-estimo-support.conf",
            "sshd -t",
            "systemctl restart sshd");
        return userData;
    }

    private static PolicyStatement Allow(string[] actions, string[] resources) => new(new PolicyStatementProps
    {
        Effect = Effect.ALLOW,
        Actions = actions,
        Resources = resources,
        Conditions = new Dictionary<string, object>
        {
            ["Bool"] = new Dictionary<string, object> { ["aws:MultiFactorAuthPresent"] = "true" },
        },
    });

    private void AddGroupPolicy(Group group, string name, PolicyStatement[] allows)
    {
        var policy = new Policy(this, name, new PolicyProps { PolicyName = name, Statements = allows });
        // Belt and braces: even a permission granted elsewhere to the group does nothing without MFA.
        policy.AddStatements(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "DenyAllWithoutMfa",
            Effect = Effect.DENY,
            NotActions = ["iam:ChangePassword", "iam:GetUser", "iam:CreateVirtualMFADevice", "iam:EnableMFADevice",
                "iam:ListMFADevices", "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["BoolIfExists"] = new Dictionary<string, object> { ["aws:MultiFactorAuthPresent"] = "false" },
            },
        }));
        policy.AttachToGroup(group);
    }
}
