using Amazon.CDK;
using Amazon.CDK.AWS.CertificateManager;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECR;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.Logs;
using Constructs;
using Estimo.Infra.Configuration;
using Estimo.Infra.Residency;
using HealthCheck = Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck;
using Protocol = Amazon.CDK.AWS.ElasticLoadBalancingV2.Protocol;

namespace Estimo.Infra.Stacks;

/// <summary>
/// The Forge Remote on Fargate behind an internet-facing load balancer that speaks HTTPS
/// only (there is deliberately no port-80 listener to redirect from: Forge calls the remote
/// over HTTPS and nobody browses to it). Tasks run in private subnets, accept traffic from the
/// load balancer only, run as a non-root user on a read-only root filesystem, and get their
/// secrets from Secrets Manager at start.
/// </summary>
public sealed class ServiceStack : ResidentStack
{
    /// <summary>Where the remote exports audit-chain anchors in the backup bucket.</summary>
    public const string AuditAnchorPrefix = "audit-anchors/";

    /// <summary>ECR repository the delivery pipeline pushes to (created by <see cref="DeliveryStack"/>).</summary>
    public const string RepositoryName = "estimo-remote";

    /// <summary>Kestrel's HTTPS port inside the task; the load balancer re-encrypts to it.</summary>
    public const int ContainerHttpsPort = 8443;

    /// <summary>The "app" user of the mcr.microsoft.com/dotnet images (APP_UID).</summary>
    public const string ContainerUser = "1654:1654";

    public ServiceStack(Construct scope, string id, EnvironmentSettings settings, NetworkStack network, DataStack data, ObservabilityStack observability)
        : base(scope, id, settings.Region, $"Estimo {settings.Name}: the Forge Remote behind an HTTPS load balancer")
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(observability);
        // Declared up front so that grants on the data key land in this stack's role policies
        // instead of in the key policy (which would make the data stack depend on this one).
        AddDependency(data);
        AddDependency(observability);

        var vpc = network.Vpc;
        LoadBalancerSecurityGroup = new SecurityGroup(this, "LoadBalancerSg", new SecurityGroupProps
        {
            Vpc = vpc,
            Description = "Public HTTPS (443) to the load balancer; nothing else",
            AllowAllOutbound = false,
        });
        LoadBalancerSecurityGroup.AddIngressRule(Peer.AnyIpv4(), Port.Tcp(443), "HTTPS from Forge and Jira Cloud");

        ServiceSecurityGroup = new SecurityGroup(this, "ServiceSg", new SecurityGroupProps
        {
            Vpc = vpc,
            Description = "Forge Remote tasks: HTTPS from the load balancer only",
            AllowAllOutbound = false,
        });
        // Jira Cloud, Forge and Elastic Cloud are on the internet (through NAT); AWS APIs go to endpoints.
        ServiceSecurityGroup.AddEgressRule(Peer.AnyIpv4(), Port.Tcp(443), "HTTPS to Atlassian and Elastic Cloud");
        // The load balancer → task rule on ContainerHttpsPort is added by listener.AddTargets below.
        SecurityRules.Allow(this, "ServiceToDatabase", ServiceSecurityGroup, data.DatabaseSecurityGroup, DataStack.DatabasePort, "Remote to PostgreSQL");
        SecurityRules.Allow(this, "ServiceToEndpoints", ServiceSecurityGroup, network.EndpointSecurityGroup, 443, "Remote to AWS API endpoints");

        var logGroup = new LogGroup(this, "ServiceLog", new LogGroupProps
        {
            LogGroupName = $"/estimo/{settings.Name}/remote",
            EncryptionKey = data.DataKey,
            Retention = RetentionDays.THREE_MONTHS,
            RemovalPolicy = RemovalPolicy.RETAIN,
        });

        var cluster = new Cluster(this, "Cluster", new ClusterProps
        {
            Vpc = vpc,
            ClusterName = $"estimo-{settings.Name}",
            ContainerInsights = true,
        });

        TaskDefinition = new FargateTaskDefinition(this, "Task", new FargateTaskDefinitionProps
        {
            Cpu = 512,
            MemoryLimitMiB = 1024,
            RuntimePlatform = new RuntimePlatform
            {
                CpuArchitecture = CpuArchitecture.X86_64,
                OperatingSystemFamily = OperatingSystemFamily.LINUX,
            },
        });
        // The root filesystem is read-only; /tmp is the one writable place (task ephemeral storage).
        TaskDefinition.AddVolume(new Amazon.CDK.AWS.ECS.Volume { Name = "tmp" });

        // Secrets are imported by ARN so their grants become policies on this stack's execution
        // role; granting on the owning objects would write this role into the data key's policy.
        var databaseSecret = Amazon.CDK.AWS.SecretsManager.Secret.FromSecretCompleteArn(this, "DatabaseSecret",
            (data.Database.Secret ?? throw new InvalidOperationException("The database has no generated secret.")).SecretArn);
        var elasticSecret = Amazon.CDK.AWS.SecretsManager.Secret.FromSecretCompleteArn(this, "ElasticSecret",
            observability.ElasticCredentials.SecretArn);
        var container = TaskDefinition.AddContainer("remote", new ContainerDefinitionOptions
        {
            ContainerName = "remote",
            Image = ContainerImage.FromEcrRepository(Repository.FromRepositoryName(this, "Repository", RepositoryName), settings.ImageTag),
            User = ContainerUser,
            ReadonlyRootFilesystem = true,
            Privileged = false,
            LinuxParameters = new LinuxParameters(this, "Linux", new LinuxParametersProps { InitProcessEnabled = true }),
            Essential = true,
            PortMappings = [new PortMapping { ContainerPort = ContainerHttpsPort, Protocol = Amazon.CDK.AWS.ECS.Protocol.TCP }],
            Logging = LogDriver.AwsLogs(new AwsLogDriverProps
            {
                LogGroup = logGroup,
                StreamPrefix = "remote",
                Mode = AwsLogDriverMode.NON_BLOCKING,
            }),
            Environment = new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Remote__ListenAddress"] = "0.0.0.0",
                ["Remote__Port"] = $"{ContainerHttpsPort}",
                ["Residency__AllowedRegions__0"] = DataResidency.Region,
                ["Storage__Provider"] = "PostgreSQL",
                ["Storage__Host"] = data.Database.DbInstanceEndpointAddress,
                ["Storage__Port"] = $"{DataStack.DatabasePort}",
                ["Storage__Database"] = "estimo",
                ["Backups__Target"] = "S3",
                ["Backups__S3__Bucket"] = data.BackupBucket.BucketName,
                ["Backups__S3__Region"] = DataResidency.Region,
                ["Backups__S3__KmsKeyId"] = data.DataKey.KeyArn,
                ["Backups__S3__Prefix"] = "backups/",
                ["Backups__S3__EscrowPrefix"] = "key-escrow/",
                ["Backups__S3__AnchorPrefix"] = AuditAnchorPrefix,
                // The root filesystem is read-only: a backup's encrypted spill and downloads go to /tmp.
                ["Backups__Directory"] = "/tmp/estimo-backups",
                ["Security__KeyProvider"] = "Kms",
                ["Security__Kms__KeyArn"] = data.DataKey.KeyArn,
            },
            Secrets = new Dictionary<string, Amazon.CDK.AWS.ECS.Secret>
            {
                ["Storage__Username"] = Amazon.CDK.AWS.ECS.Secret.FromSecretsManager(databaseSecret, "username"),
                ["Storage__Password"] = Amazon.CDK.AWS.ECS.Secret.FromSecretsManager(databaseSecret, "password"),
                ["Logs__Elasticsearch__CloudId"] = Amazon.CDK.AWS.ECS.Secret.FromSecretsManager(elasticSecret, "cloudId"),
                ["Logs__Elasticsearch__ApiKey"] = Amazon.CDK.AWS.ECS.Secret.FromSecretsManager(elasticSecret, "apiKey"),
            },
            HealthCheck = new Amazon.CDK.AWS.ECS.HealthCheck
            {
                // The remote serves HTTPS only; its probe verb asks /health/live over loopback HTTPS.
                Command = ContainerHealthCommand,
                Interval = Duration.Seconds(30),
                Timeout = Duration.Seconds(5),
                Retries = 3,
                StartPeriod = Duration.Seconds(30),
            },
        });
        container.AddMountPoints(new MountPoint { ContainerPath = "/tmp", SourceVolume = "tmp", ReadOnly = false });
        data.DataKey.GrantDecrypt(TaskDefinition.ObtainExecutionRole());
        data.DataKey.GrantEncryptDecrypt(TaskDefinition.TaskRole);
        data.BackupBucket.GrantReadWrite(TaskDefinition.TaskRole);

        // Exported audit anchors catch a rewritten or truncated audit log only while whoever can
        // write the database cannot remove them: the task role may add anchors but never delete
        // one (nor a version of one, nor lift a governance lock or place a legal hold). An
        // explicit deny beats the grant above. The bucket is versioned and no lifecycle rule
        // covers this prefix, so an overwrite leaves the earlier version in place. On top of this
        // the remote writes each anchor under Object Lock in COMPLIANCE mode (the bucket has
        // Object Lock enabled, see DataStack), which not even an account administrator can lift
        // (see docs/access.md). s3:PutObjectRetention stays allowed: S3 authorizes a PutObject
        // carrying x-amz-object-lock-* headers as PutObjectRetention too, and a COMPLIANCE
        // retention can only ever be extended, never shortened, so allowing it loosens nothing.
        TaskDefinition.TaskRole.AddToPrincipalPolicy(new Amazon.CDK.AWS.IAM.PolicyStatement(new Amazon.CDK.AWS.IAM.PolicyStatementProps
        {
            Sid = "AuditAnchorsAreWriteOnce",
            Effect = Amazon.CDK.AWS.IAM.Effect.DENY,
            Actions = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectLegalHold", "s3:BypassGovernanceRetention"],
            Resources = [data.BackupBucket.ArnForObjects(AuditAnchorPrefix + "*")],
        }));

        Service = new FargateService(this, "Service", new FargateServiceProps
        {
            Cluster = cluster,
            ServiceName = "remote",
            TaskDefinition = TaskDefinition,
            DesiredCount = settings.DesiredCount,
            AssignPublicIp = false,
            VpcSubnets = new SubnetSelection { SubnetGroupName = NetworkStack.ComputeSubnets },
            SecurityGroups = [ServiceSecurityGroup],
            CircuitBreaker = new DeploymentCircuitBreaker { Enable = true, Rollback = true },
            MinHealthyPercent = 100,
            MaxHealthyPercent = 200,
            HealthCheckGracePeriod = Duration.Seconds(60),
            EnableExecuteCommand = false,
        });

        LoadBalancer = new ApplicationLoadBalancer(this, "LoadBalancer", new ApplicationLoadBalancerProps
        {
            Vpc = vpc,
            InternetFacing = true,
            VpcSubnets = new SubnetSelection { SubnetGroupName = NetworkStack.PublicSubnets },
            SecurityGroup = LoadBalancerSecurityGroup,
            DropInvalidHeaderFields = true,
            DeletionProtection = settings.Name == "production",
        });
        var listener = LoadBalancer.AddListener("Https", new BaseApplicationListenerProps
        {
            Port = 443,
            Protocol = ApplicationProtocol.HTTPS,
            SslPolicy = SslPolicy.RECOMMENDED_TLS,
            Certificates = [ListenerCertificate.FromCertificateManager(Certificate.FromCertificateArn(this, "Certificate", settings.CertificateArn))],
            // The ingress rule above is the only one; don't let CDK add another.
            Open = false,
        });
        TargetGroup = listener.AddTargets("Remote", new AddApplicationTargetsProps
        {
            Port = ContainerHttpsPort,
            Protocol = ApplicationProtocol.HTTPS,
            Targets = [Service],
            DeregistrationDelay = Duration.Seconds(30),
            HealthCheck = new HealthCheck
            {
                Path = "/health/ready",
                Protocol = Protocol.HTTPS,
                HealthyHttpCodes = "200",
                Interval = Duration.Seconds(15),
                HealthyThresholdCount = 2,
                UnhealthyThresholdCount = 3,
            },
        });

        var alarms = observability.Alarms.ForScope(this);
        alarms.Add("Http5xxRate", new MathExpression(new MathExpressionProps
        {
            Label = "5xx responses (% of requests)",
            Expression = "100 * (FILL(elb, 0) + FILL(target, 0)) / FILL(requests, 1)",
            UsingMetrics = new Dictionary<string, IMetric>
            {
                ["elb"] = LoadBalancer.Metrics.HttpCodeElb(HttpCodeElb.ELB_5XX_COUNT),
                ["target"] = LoadBalancer.Metrics.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT),
                ["requests"] = LoadBalancer.Metrics.RequestCount(),
            },
            Period = Duration.Minutes(5),
        }), new AlarmSpec("More than 5% of requests end in a 5xx.", Threshold: 5, EvaluationPeriods: 2, Missing: TreatMissingData.NOT_BREACHING));
        alarms.Add("LatencyP95", LoadBalancer.Metrics.TargetResponseTime(new MetricOptions
        {
            Statistic = "p95",
            Period = Duration.Minutes(5),
        }), new AlarmSpec("p95 target response time above 1 s.", Threshold: 1, EvaluationPeriods: 3, Missing: TreatMissingData.NOT_BREACHING));
        alarms.Add("UnhealthyTargets", TargetGroup.Metrics.UnhealthyHostCount(new MetricOptions { Statistic = "Maximum", Period = Duration.Minutes(1) }),
            new AlarmSpec("A remote task fails its readiness check.", Threshold: 0, EvaluationPeriods: 3, Missing: TreatMissingData.NOT_BREACHING));
    }

    /// <summary>The remote's own HTTPS liveness probe (the Dockerfile's HEALTHCHECK runs the same).</summary>
    public static readonly string[] ContainerHealthCommand = ["CMD", "dotnet", "/app/Estimo.Remote.dll", "probe"];

    public SecurityGroup LoadBalancerSecurityGroup { get; }

    public SecurityGroup ServiceSecurityGroup { get; }

    public FargateTaskDefinition TaskDefinition { get; }

    public FargateService Service { get; }

    public ApplicationLoadBalancer LoadBalancer { get; }

    public ApplicationTargetGroup TargetGroup { get; }
}
