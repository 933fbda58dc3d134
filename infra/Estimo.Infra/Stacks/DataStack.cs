using Amazon.CDK;
using Amazon.CDK.AWS.Backup;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.RDS;
using Amazon.CDK.AWS.S3;
using Constructs;
using Estimo.Infra.Configuration;

namespace Estimo.Infra.Stacks;

/// <summary>
/// Everything that holds customer data, encrypted under one customer-managed key: the
/// PostgreSQL database (Multi-AZ, TLS only, point-in-time recovery), the bucket the operator
/// CLI writes application backups to, and the AWS Backup plan that snapshots the database
/// every 24 hours.
/// </summary>
public sealed class DataStack : ResidentStack
{
    /// <summary>Daily application backups (prefix <c>daily/</c>) are kept this long.</summary>
    public const int DailyBackupRetentionDays = 35;

    /// <summary>Monthly application backups (prefix <c>monthly/</c>) are kept this long.</summary>
    public const int MonthlyBackupRetentionDays = 365;

    /// <summary>Continuous backups allow a restore to any second of this window.</summary>
    public const int PointInTimeRecoveryDays = 14;

    public const int DatabasePort = 5432;

    public DataStack(Construct scope, string id, EnvironmentSettings settings, NetworkStack network)
        : base(scope, id, settings.Region, $"Estimo {settings.Name}: database, backups and the data key",
            // Deleting the production data stack must take two deliberate steps, not one command.
            terminationProtection: settings.Name == "production")
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(network);

        DataKey = new Key(this, "DataKey", new KeyProps
        {
            Alias = $"alias/estimo-{settings.Name}-data",
            Description = $"Estimo {settings.Name}: encrypts the database, backups, secrets, logs and alarms",
            EnableKeyRotation = true,
            RemovalPolicy = RemovalPolicy.RETAIN,
            PendingWindow = Duration.Days(30),
        });
        AllowServiceUse(DataKey, $"logs.{Region}.amazonaws.com", "CloudWatchLogs",
            new Dictionary<string, object>
            {
                ["ArnLike"] = new Dictionary<string, object>
                {
                    ["kms:EncryptionContext:aws:logs:arn"] = $"arn:aws:logs:{Region}:{Account}:log-group:*",
                },
            });
        // CloudWatch alarms publish to the encrypted alarm topic.
        AllowServiceUse(DataKey, "cloudwatch.amazonaws.com", "CloudWatchAlarms", null);

        DatabaseSecurityGroup = new SecurityGroup(this, "DatabaseSg", new SecurityGroupProps
        {
            Vpc = network.Vpc,
            Description = "PostgreSQL: 5432 from the service and the support bastion only",
            AllowAllOutbound = false,
        });

        var parameters = new ParameterGroup(this, "Parameters", new ParameterGroupProps
        {
            Engine = DatabaseInstanceEngine.Postgres(new PostgresInstanceEngineProps { Version = PostgresEngineVersion.VER_16_4 }),
            Description = "Estimo: TLS required, connections and slow statements logged",
            Parameters = new Dictionary<string, string>
            {
                ["rds.force_ssl"] = "1",
                ["ssl_min_protocol_version"] = "TLSv1.2",
                ["log_connections"] = "1",
                ["log_min_duration_statement"] = "1000",
            },
        });

        var instanceIdentifier = $"estimo-{settings.Name}";
        // RDS would create this log group itself, unencrypted by our key; creating it first lets
        // the exported PostgreSQL log be KMS-encrypted and retained like every other log.
        var databaseLog = new LogGroup(this, "DatabaseLog", new LogGroupProps
        {
            LogGroupName = $"/aws/rds/instance/{instanceIdentifier}/postgresql",
            EncryptionKey = DataKey,
            Retention = RetentionDays.THREE_MONTHS,
            RemovalPolicy = RemovalPolicy.RETAIN,
        });

        Database = new DatabaseInstance(this, "Database", new DatabaseInstanceProps
        {
            InstanceIdentifier = instanceIdentifier,
            Engine = DatabaseInstanceEngine.Postgres(new PostgresInstanceEngineProps { Version = PostgresEngineVersion.VER_16_4 }),
            InstanceType = Amazon.CDK.AWS.EC2.InstanceType.Of(InstanceClass.BURSTABLE4_GRAVITON, settings.Name == "production" ? InstanceSize.MEDIUM : InstanceSize.SMALL),
            Vpc = network.Vpc,
            VpcSubnets = new SubnetSelection { SubnetGroupName = NetworkStack.DataSubnets },
            SecurityGroups = [DatabaseSecurityGroup],
            Port = DatabasePort,
            DatabaseName = "estimo",
            Credentials = Credentials.FromGeneratedSecret("estimo", new CredentialsBaseOptions
            {
                SecretName = $"estimo/{settings.Name}/database",
                EncryptionKey = DataKey,
            }),
            MultiAz = true,
            PubliclyAccessible = false,
            StorageEncrypted = true,
            StorageEncryptionKey = DataKey,
            StorageType = StorageType.GP3,
            AllocatedStorage = 20,
            MaxAllocatedStorage = 200,
            ParameterGroup = parameters,
            BackupRetention = Duration.Days(PointInTimeRecoveryDays),
            PreferredBackupWindow = "15:00-16:00",
            PreferredMaintenanceWindow = "sun:16:30-sun:17:30",
            DeleteAutomatedBackups = false,
            CopyTagsToSnapshot = true,
            DeletionProtection = true,
            RemovalPolicy = RemovalPolicy.SNAPSHOT,
            AutoMinorVersionUpgrade = true,
            EnablePerformanceInsights = true,
            PerformanceInsightEncryptionKey = DataKey,
            CloudwatchLogsExports = ["postgresql"],
        });
        Database.Node.AddDependency(databaseLog);

        BackupBucket = new Bucket(this, "BackupBucket", new BucketProps
        {
            Encryption = BucketEncryption.KMS,
            EncryptionKey = DataKey,
            BucketKeyEnabled = true,
            EnforceSSL = true,
            MinimumTLSVersion = 1.2,
            Versioned = true,

            // Object Lock can only be switched on when a bucket is created. It is on so the remote
            // can write exported audit anchors in COMPLIANCE mode (Backups:S3:AnchorRetention);
            // there is deliberately NO default retention: backups and the key escrow must stay
            // deletable by retention, purge and the lifecycle rules below (see docs/access.md).
            ObjectLockEnabled = true,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            RemovalPolicy = RemovalPolicy.RETAIN,
            LifecycleRules =
            [
                new LifecycleRule
                {
                    Id = "daily-35-days",
                    Prefix = "daily/",
                    Expiration = Duration.Days(DailyBackupRetentionDays),
                    NoncurrentVersionExpiration = Duration.Days(7),
                },
                new LifecycleRule
                {
                    Id = "monthly-12-months",
                    Prefix = "monthly/",
                    Transitions = [new Transition { StorageClass = StorageClass.GLACIER_INSTANT_RETRIEVAL, TransitionAfter = Duration.Days(30) }],
                    Expiration = Duration.Days(MonthlyBackupRetentionDays),
                    NoncurrentVersionExpiration = Duration.Days(7),
                },
                new LifecycleRule
                {
                    // The remote's own backups: it deletes what its retention does not keep
                    // (35 daily, 12 monthly); in this versioned bucket a deletion leaves a
                    // noncurrent version, gone a day later. The expiration is only a backstop.
                    Id = "remote-backups",
                    Prefix = "backups/",
                    Expiration = Duration.Days(MonthlyBackupRetentionDays + 35),
                    NoncurrentVersionExpiration = Duration.Days(1),
                },
                new LifecycleRule
                {
                    // The key escrow (installations' wrapped data keys) is rewritten at every
                    // backup and at every purge. An old version would still hold a purged
                    // installation's keys, so noncurrent versions go after one day (S3's minimum).
                    Id = "key-escrow-latest-only",
                    Prefix = "key-escrow/",
                    NoncurrentVersionExpiration = Duration.Days(1),
                },
                new LifecycleRule { Id = "abort-incomplete-uploads", AbortIncompleteMultipartUploadAfter = Duration.Days(7) },
            ],
        });

        var vault = new BackupVault(this, "Vault", new BackupVaultProps
        {
            BackupVaultName = $"estimo-{settings.Name}",
            EncryptionKey = DataKey,
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
        BackupPlan = new BackupPlan(this, "DatabaseBackupPlan", new BackupPlanProps
        {
            BackupPlanName = $"estimo-{settings.Name}-database",
            BackupVault = vault,
            BackupPlanRules =
            [
                // Every 24 hours at 17:00 UTC (03:00 in Sydney, the quietest hour for our users).
                new BackupPlanRule(new BackupPlanRuleProps
                {
                    RuleName = "daily",
                    ScheduleExpression = Schedule.Cron(new CronOptions { Minute = "0", Hour = "17" }),
                    StartWindow = Duration.Hours(1),
                    CompletionWindow = Duration.Hours(4),
                    DeleteAfter = Duration.Days(DailyBackupRetentionDays),
                }),
            ],
        });
        BackupPlan.AddSelection("Database", new BackupSelectionOptions
        {
            Resources = [BackupResource.FromRdsDatabaseInstance(Database)],
        });
    }

    public Key DataKey { get; }

    public DatabaseInstance Database { get; }

    public SecurityGroup DatabaseSecurityGroup { get; }

    public Bucket BackupBucket { get; }

    public BackupPlan BackupPlan { get; }

    private static void AllowServiceUse(Key key, string servicePrincipal, string sid, IDictionary<string, object>? conditions)
    {
        key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = $"Allow{sid}",
            Principals = [new ServicePrincipal(servicePrincipal)],
            Actions = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resources = ["*"],
            Conditions = conditions,
        }));
    }
}
