using Estimo.Core.Residency;

namespace Estimo.Core.Tests.Residency;

public sealed class ResidencyGuardTests
{
    private const string SydneyDb = "estimo-production.abc123xyz.ap-southeast-2.rds.amazonaws.com";
    private const string SydneyKey = "arn:aws:kms:ap-southeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    private static ResidencyInputs Resident() => new()
    {
        StorageConnectionString = $"Host={SydneyDb};Port=5432;Database=estimo;Username=estimo;Password=s3cr3t-P@ss",
        BackupS3Region = "ap-southeast-2",
        KmsKeyArn = SydneyKey,
    };

    [Fact]
    public void Check_AllResourcesInSydney_ReturnsNoViolations()
    {
        Assert.Empty(ResidencyGuard.Check(Resident()));
    }

    [Fact]
    public void Check_NothingConfigured_ReturnsNoViolations()
    {
        Assert.Empty(ResidencyGuard.Check(new ResidencyInputs()));
    }

    [Theory]
    [InlineData("Host=localhost;Database=estimo")]
    [InlineData("Host=127.0.0.1;Port=55432;Username=postgres")]
    [InlineData("Server=db.internal.example;Database=estimo")]
    [InlineData("Data Source=/var/lib/estimo/estimo.db")]
    [InlineData("Data Source=.estimo/estimo.db;Cache=Shared")]
    [InlineData("postgresql://postgres:pw@localhost:5432/estimo")]
    [InlineData("Host=[::1];Port=5432")]
    public void Check_NonAwsDatabase_IsAllowed(string connectionString)
    {
        Assert.Empty(ResidencyGuard.Check(new ResidencyInputs { StorageConnectionString = connectionString }));
    }

    [Theory]
    [InlineData("Host=estimo.abc.us-east-1.rds.amazonaws.com;Password=pw", "us-east-1")]
    [InlineData("Server=estimo.cluster-abc.eu-west-1.rds.amazonaws.com:5432", "eu-west-1")]
    [InlineData("Host=estimo.proxy-abc.ap-southeast-4.rds.amazonaws.com", "ap-southeast-4")]
    [InlineData("postgres://u:pw@estimo.abc.us-west-2.rds.amazonaws.com:5432/estimo?sslmode=require", "us-west-2")]
    public void Check_RdsHostInAnotherRegion_IsAViolationOfStorageConnectionString(string connectionString, string region)
    {
        var violation = Assert.Single(ResidencyGuard.Check(new ResidencyInputs { StorageConnectionString = connectionString }));

        Assert.Equal("Storage:ConnectionString", violation.Setting);
        Assert.StartsWith("Storage:ConnectionString:", violation.Message, StringComparison.Ordinal);
        Assert.Contains(region, violation.Message, StringComparison.Ordinal);
        Assert.Contains("Residency:AllowedRegions", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_MultiHostWithOneForeignReplica_ReportsOnlyTheForeignHost()
    {
        var inputs = new ResidencyInputs { StorageConnectionString = $"Host={SydneyDb},replica.abc.us-east-1.rds.amazonaws.com;Database=estimo" };

        var violation = Assert.Single(ResidencyGuard.Check(inputs));

        Assert.Contains("replica.abc.us-east-1.rds.amazonaws.com", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_AwsHostWithoutRegion_IsAViolation()
    {
        var violation = Assert.Single(ResidencyGuard.Check(new ResidencyInputs { StorageConnectionString = "Host=something.amazonaws.com" }));

        Assert.Contains("without a region", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ViolationMessages_NeverContainTheConnectionStringsPassword()
    {
        var inputs = new ResidencyInputs { StorageConnectionString = "Host=db.abc.us-east-1.rds.amazonaws.com;Username=estimo;Password=hunter2-Secret" };

        var violation = Assert.Single(ResidencyGuard.Check(inputs));

        Assert.DoesNotContain("hunter2", violation.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_BackupBucketInAnotherRegion_IsAViolationOfBackupS3Region()
    {
        var violation = Assert.Single(ResidencyGuard.Check(Resident() with { BackupS3Region = "us-east-1" }));

        Assert.Equal("Backups:S3:Region", violation.Setting);
        Assert.StartsWith("Backups:S3:Region:", violation.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")]
    [InlineData("arn:aws:kms:eu-central-1:123456789012:alias/estimo-data")]
    public void Check_KmsKeyInAnotherRegion_IsAViolationOfKmsKeyArn(string arn)
    {
        var violation = Assert.Single(ResidencyGuard.Check(Resident() with { KmsKeyArn = arn }));

        Assert.Equal("Security:Kms:KeyArn", violation.Setting);
    }

    [Theory]
    [InlineData("1234abcd-12ab-34cd-56ef-1234567890ab")]
    [InlineData("alias/estimo-data")]
    [InlineData("arn:aws:s3:::not-a-key")]
    public void Check_KmsKeyThatIsNotAnArn_IsAViolationBecauseItsRegionIsUnknown(string value)
    {
        var violation = Assert.Single(ResidencyGuard.Check(Resident() with { KmsKeyArn = value }));

        Assert.Contains("not a KMS key or alias ARN", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_AliasArnInSydney_IsAllowed()
    {
        Assert.Empty(ResidencyGuard.Check(Resident() with { KmsKeyArn = "arn:aws:kms:ap-southeast-2:123456789012:alias/estimo-production-data" }));
    }

    [Fact]
    public void Check_EverythingForeign_ReportsEveryViolationAtOnce()
    {
        var inputs = new ResidencyInputs
        {
            StorageConnectionString = "Host=db.abc.us-east-1.rds.amazonaws.com",
            BackupS3Region = "eu-west-1",
            KmsKeyArn = "arn:aws:kms:us-west-2:123456789012:key/abc",
        };

        var settings = ResidencyGuard.Check(inputs).Select(v => v.Setting).ToList();

        Assert.Equal(["Storage:ConnectionString", "Backups:S3:Region", "Security:Kms:KeyArn"], settings);
    }

    [Fact]
    public void Check_ConfiguredAllowedRegions_ReplaceTheDefault()
    {
        var inputs = Resident() with { AllowedRegions = ["ap-southeast-4"] };

        Assert.Equal(3, ResidencyGuard.Check(inputs).Count);
        Assert.Empty(ResidencyGuard.Check(inputs with
        {
            AllowedRegions = ["ap-southeast-2", "ap-southeast-4"],
            BackupS3Region = "ap-southeast-4",
        }));
    }

    [Fact]
    public void Check_MalformedAllowedRegion_IsAViolationWithItsIndex()
    {
        var violations = ResidencyGuard.Check(new ResidencyInputs { AllowedRegions = ["ap-southeast-2", "Sydney"] });

        var violation = Assert.Single(violations);
        Assert.Equal("Residency:AllowedRegions", violation.Setting);
        Assert.StartsWith("Residency:AllowedRegions:1 ", violation.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("estimo.abc.ap-southeast-2.rds.amazonaws.com", "ap-southeast-2")]
    [InlineData("ESTIMO.ABC.AP-SOUTHEAST-2.RDS.AMAZONAWS.COM.", "ap-southeast-2")]
    [InlineData("vpce-123.kms.ap-southeast-2.vpce.amazonaws.com", "ap-southeast-2")]
    [InlineData("localhost", null)]
    [InlineData("127.0.0.1", null)]
    [InlineData("amazonaws.com.evil.example", null)]
    public void RegionOfHost_ReadsTheRegionLabelOfAwsNamesOnly(string host, string? region)
    {
        Assert.Equal(region, ResidencyGuard.RegionOfHost(host));
    }
}
