using Estimo.Infra.Stacks;

namespace Estimo.Infra.Tests;

/// <summary>Practice: the database is private, highly available, TLS-only and recoverable.</summary>
public sealed class DatabaseTests(Synthesis synthesis)
{
    public static TheoryData<string> Environments => ["staging", "production"];

    [Theory]
    [MemberData(nameof(Environments))]
    public void DatabaseIsNotPublic_IsMultiAz_AndHasDeletionProtection(string environment)
    {
        var (_, _, db) = Assert.Single(synthesis.Environments[environment].Resources("AWS::RDS::DBInstance"));

        Assert.Equal(false, (bool?)db["PubliclyAccessible"]);
        Assert.Equal(true, (bool?)db["MultiAZ"]);
        Assert.Equal(true, (bool?)db["DeletionProtection"]);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void DatabaseRequiresTls_ForceSslIsOnInItsParameterGroup(string environment)
    {
        var data = synthesis.Environments[environment].Data;
        var (groupId, group) = Assert.Single(data.Resources("AWS::RDS::DBParameterGroup"));
        var (_, db) = Assert.Single(data.Resources("AWS::RDS::DBInstance"));

        Assert.Equal("1", (string?)group["Parameters"]!["rds.force_ssl"]);
        Assert.Equal(groupId, (string?)db["DBParameterGroupName"]!["Ref"]);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void DataIsBackedUp_PointInTimeRecoveryKeepsAtLeastSevenDays(string environment)
    {
        var (_, _, db) = Assert.Single(synthesis.Environments[environment].Resources("AWS::RDS::DBInstance"));

        Assert.True(db["BackupRetentionPeriod"].Number() >= 7);
        Assert.Equal(DataStack.PointInTimeRecoveryDays, db["BackupRetentionPeriod"].Number());
    }

    [Fact]
    public void DatabaseIsNotPublic_ItLivesInTheIsolatedDataSubnets()
    {
        var (_, subnetGroup) = Assert.Single(synthesis.Environments["production"].Data.Resources("AWS::RDS::DBSubnetGroup"));
        var subnets = subnetGroup["SubnetIds"]!.AsArray();

        Assert.Equal(3, subnets.Count);
        Assert.All(subnets, s => Assert.Contains("VpcdataSubnet", s.Text(), StringComparison.Ordinal));
    }

    [Fact]
    public void DataIsKept_TheProductionDataStackHasTerminationProtection()
    {
        Assert.True(synthesis.Production.Data.TerminationProtection);
    }
}
