namespace Estimo.Infra.Tests;

/// <summary>Practice: data at rest is encrypted under our customer-managed, rotating key.</summary>
public sealed class EncryptionTests(Synthesis synthesis)
{
    public static TheoryData<string> Environments => ["staging", "production"];

    [Theory]
    [MemberData(nameof(Environments))]
    public void KeyRotationIsOn_EveryCustomerManagedKeyRotates(string environment)
    {
        var keys = synthesis.Environments[environment].Resources("AWS::KMS::Key").ToList();

        Assert.Single(keys);
        Assert.All(keys, k => Assert.Equal(true, (bool?)k.Properties["EnableKeyRotation"]));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void EveryDataStoreIsKmsEncrypted_TheDatabaseAndItsInsights(string environment)
    {
        var (_, _, db) = Assert.Single(synthesis.Environments[environment].Resources("AWS::RDS::DBInstance"));

        Assert.Equal(true, (bool?)db["StorageEncrypted"]);
        Assert.NotNull(db["KmsKeyId"]);
        Assert.NotNull(db["PerformanceInsightsKMSKeyId"]);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void EveryDataStoreIsKmsEncrypted_EveryBucketUsesTheKey(string environment)
    {
        var buckets = synthesis.Environments[environment].Resources("AWS::S3::Bucket").ToList();

        Assert.NotEmpty(buckets);
        Assert.All(buckets, b =>
        {
            var rule = Assert.Single(b.Properties["BucketEncryption"]!["ServerSideEncryptionConfiguration"].Objects());
            Assert.Equal("aws:kms", (string?)rule["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]);
            Assert.NotNull(rule["ServerSideEncryptionByDefault"]!["KMSMasterKeyID"]);
        });
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void EveryDataStoreIsKmsEncrypted_LogsSecretsTopicVaultAndDisks(string environment)
    {
        var env = synthesis.Environments[environment];

        var logGroups = env.Resources("AWS::Logs::LogGroup").ToList();
        Assert.Equal(2, logGroups.Count); // the remote's log and the exported PostgreSQL log
        Assert.All(logGroups, g => Assert.NotNull(g.Properties["KmsKeyId"]));

        var secrets = env.Resources("AWS::SecretsManager::Secret").ToList();
        Assert.Equal(2, secrets.Count); // database credentials and Elastic Cloud credentials
        Assert.All(secrets, s => Assert.NotNull(s.Properties["KmsKeyId"]));

        Assert.All(env.Resources("AWS::SNS::Topic"), t => Assert.NotNull(t.Properties["KmsMasterKeyId"]));
        Assert.All(env.Resources("AWS::Backup::BackupVault"), v => Assert.NotNull(v.Properties["EncryptionKeyArn"]));

        var (_, _, bastion) = Assert.Single(env.Resources("AWS::EC2::Instance"));
        Assert.All(bastion["BlockDeviceMappings"].Objects(), d =>
        {
            Assert.Equal(true, (bool?)d["Ebs"]!["Encrypted"]);
            Assert.NotNull(d["Ebs"]!["KmsKeyId"]);
        });
    }

    [Fact]
    public void EveryDataStoreIsKmsEncrypted_TheImageRepository()
    {
        var (_, repository) = Assert.Single(synthesis.Delivery.Resources("AWS::ECR::Repository"));

        Assert.Equal("KMS", (string?)repository["EncryptionConfiguration"]!["EncryptionType"]);
    }
}
