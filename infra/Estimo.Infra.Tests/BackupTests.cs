using System.Text.RegularExpressions;
using Estimo.Infra.Stacks;

namespace Estimo.Infra.Tests;

/// <summary>Practice: "data is backed up every 24 hours".</summary>
public sealed partial class BackupTests(Synthesis synthesis)
{
    public static TheoryData<string> Environments => ["staging", "production"];

    /// <summary>A fixed minute and hour, every day of every month, any weekday, every year.</summary>
    [GeneratedRegex(@"^cron\(\d{1,2} \d{1,2} \* \* \? \*\)$")]
    private static partial Regex DailyCron();

    [Theory]
    [MemberData(nameof(Environments))]
    public void DataIsBackedUpEvery24Hours_TheBackupPlanRunsDailyAndCoversTheDatabase(string environment)
    {
        var data = synthesis.Environments[environment].Data;
        var (_, plan) = Assert.Single(data.Resources("AWS::Backup::BackupPlan"));
        var rules = plan["BackupPlan"]!["BackupPlanRule"].Objects().ToList();

        Assert.NotEmpty(rules);
        Assert.Contains(rules, r => DailyCron().IsMatch((string?)r["ScheduleExpression"] ?? string.Empty));
        Assert.All(rules, r => Assert.Equal(DataStack.DailyBackupRetentionDays, r["Lifecycle"]!["DeleteAfterDays"].Number()));

        var (_, selection) = Assert.Single(data.Resources("AWS::Backup::BackupSelection"));
        Assert.Contains(":db:", selection["BackupSelection"]!["Resources"].Text(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void BackupBucket_DeniesNonTlsAccess(string environment)
    {
        var (_, policy) = Assert.Single(synthesis.Environments[environment].Data.Resources("AWS::S3::BucketPolicy"));

        Assert.Contains(policy["PolicyDocument"]!["Statement"].Objects(), s =>
            (string?)s["Effect"] == "Deny"
            && (string?)s["Condition"]?["Bool"]?["aws:SecureTransport"] == "false"
            && s["Principal"].Text().Contains('*', StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void BackupBucket_BlocksPublicAccess_AndIsVersioned(string environment)
    {
        var (_, _, bucket) = Assert.Single(synthesis.Environments[environment].Resources("AWS::S3::Bucket"));
        var block = bucket["PublicAccessBlockConfiguration"]!;

        foreach (var setting in new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" })
        {
            Assert.Equal(true, (bool?)block[setting]);
        }

        Assert.Equal("Enabled", (string?)bucket["VersioningConfiguration"]!["Status"]);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void BackupBucket_LifecycleKeepsDailyBackups35DaysAndMonthlyBackups12Months(string environment)
    {
        var (_, _, bucket) = Assert.Single(synthesis.Environments[environment].Resources("AWS::S3::Bucket"));
        var rules = bucket["LifecycleConfiguration"]!["Rules"].Objects().ToList();

        var daily = Assert.Single(rules, r => (string?)r["Prefix"] == "daily/");
        Assert.Equal(35, daily["ExpirationInDays"].Number());
        Assert.Equal("Enabled", (string?)daily["Status"]);

        var monthly = Assert.Single(rules, r => (string?)r["Prefix"] == "monthly/");
        Assert.Equal(365, monthly["ExpirationInDays"].Number());
        Assert.Equal("Enabled", (string?)monthly["Status"]);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void KeyEscrow_KeepsOnlyItsLatestVersion_SoAPurgeReachesOldBackups(string environment)
    {
        var (_, _, bucket) = Assert.Single(synthesis.Environments[environment].Resources("AWS::S3::Bucket"));
        var rules = bucket["LifecycleConfiguration"]!["Rules"].Objects().ToList();

        var escrow = Assert.Single(rules, r => (string?)r["Prefix"] == "key-escrow/");
        Assert.Equal("Enabled", (string?)escrow["Status"]);
        Assert.Equal(1, escrow["NoncurrentVersionExpiration"]!["NoncurrentDays"].Number());
        var backups = Assert.Single(rules, r => (string?)r["Prefix"] == "backups/");
        Assert.Equal(1, backups["NoncurrentVersionExpiration"]!["NoncurrentDays"].Number());
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void TheRemote_WritesItsBackupsToTheBucket_WithSseKms_AndTheEscrowUnderItsOwnPrefix(string environment)
    {
        var (_, task) = Assert.Single(synthesis.Environments[environment].Service.Resources("AWS::ECS::TaskDefinition"));
        var container = Assert.Single(task["ContainerDefinitions"].Objects());
        var variables = container["Environment"].Objects().ToDictionary(e => (string?)e["Name"] ?? string.Empty, e => e["Value"]);

        Assert.Equal("S3", (string?)variables["Backups__Target"]);
        Assert.Equal("backups/", (string?)variables["Backups__S3__Prefix"]);
        Assert.Equal("key-escrow/", (string?)variables["Backups__S3__EscrowPrefix"]);
        Assert.StartsWith("/tmp/", (string?)variables["Backups__Directory"], StringComparison.Ordinal); // the only writable path
        Assert.Contains("DataKey", variables["Backups__S3__KmsKeyId"].Text(), StringComparison.Ordinal);
        Assert.Contains("BackupBucket", variables["Backups__S3__Bucket"].Text(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void AuditAnchors_GoToTheirOwnPrefix_WhichTheTaskRoleCannotDeleteFrom_AndNoLifecycleRuleExpires(string environment)
    {
        var stacks = synthesis.Environments[environment];
        var (_, task) = Assert.Single(stacks.Service.Resources("AWS::ECS::TaskDefinition"));
        var variables = Assert.Single(task["ContainerDefinitions"].Objects())["Environment"].Objects()
            .ToDictionary(e => (string?)e["Name"] ?? string.Empty, e => e["Value"]);
        var statements = stacks.Service.Resources("AWS::IAM::Policy")
            .Where(p => p.Properties["Roles"].Text().Contains("TaskRole", StringComparison.Ordinal))
            .SelectMany(p => p.Properties["PolicyDocument"]!["Statement"].Objects())
            .ToList();
        var (_, bucket) = Assert.Single(stacks.Data.Resources("AWS::S3::Bucket"), b => b.Properties["LifecycleConfiguration"] is not null);

        Assert.Equal("audit-anchors/", (string?)variables["Backups__S3__AnchorPrefix"]);
        var deny = Assert.Single(statements, s => (string?)s["Sid"] == "AuditAnchorsAreWriteOnce");
        Assert.Equal("Deny", (string?)deny["Effect"]);
        Assert.Contains("s3:DeleteObject\"", deny["Action"].Text(), StringComparison.Ordinal);
        Assert.Contains("s3:DeleteObjectVersion", deny["Action"].Text(), StringComparison.Ordinal);
        Assert.Contains("/audit-anchors/*", deny["Resource"].Text(), StringComparison.Ordinal);
        Assert.Contains("s3:BypassGovernanceRetention", deny["Action"].Text(), StringComparison.Ordinal);

        // Anchors are uploaded with Object Lock headers, which S3 authorizes as
        // s3:PutObjectRetention as well: denying it would refuse every anchor.
        Assert.DoesNotContain("s3:PutObjectRetention", deny["Action"].Text(), StringComparison.Ordinal);
        Assert.Contains(statements, s => (string?)s["Effect"] == "Allow"
            && s["Action"].Text().Contains("s3:PutObjectRetention", StringComparison.Ordinal)
            && s["Resource"].Text().Contains("BackupBucket", StringComparison.Ordinal));
        Assert.All(bucket["LifecycleConfiguration"]!["Rules"].Objects(), rule =>
            Assert.False(rule["Prefix"] is not null && "audit-anchors/".StartsWith((string)rule["Prefix"]!, StringComparison.Ordinal) && rule["ExpirationInDays"] is not null,
                $"lifecycle rule {(string?)rule["Id"]} expires audit anchors"));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void BackupBucket_HasObjectLockEnabled_WithNoBucketWideDefaultRetention(string environment)
    {
        var (_, _, bucket) = Assert.Single(synthesis.Environments[environment].Resources("AWS::S3::Bucket"));

        // Object Lock only at creation, and it needs versioning; anchors carry their own
        // COMPLIANCE retention per object. A default retention would make every backup and the
        // key escrow undeletable by retention, purge and lifecycle rules.
        Assert.Equal(true, (bool?)bucket["ObjectLockEnabled"]);
        Assert.Equal("Enabled", (string?)bucket["VersioningConfiguration"]!["Status"]);
        Assert.Null(bucket["ObjectLockConfiguration"]?["Rule"]);
    }
}
