using Amazon.CDK;
using Estimo.Infra.Configuration;
using Estimo.Infra.Residency;

namespace Estimo.Infra.Tests;

/// <summary>Practice: "data is stored in ap-southeast-2 across AZs a, b and c".</summary>
public sealed class ResidencyTests(Synthesis synthesis)
{
    [Theory]
    [InlineData("staging")]
    [InlineData("production")]
    public void DataIsStoredInApSoutheast2_EveryStackIsPinnedToTheResidencyRegion(string environment)
    {
        foreach (var stack in synthesis.Environments[environment].Stage.Node.Children.OfType<Stack>())
        {
            Assert.Equal("ap-southeast-2", stack.Region);
        }
    }

    [Theory]
    [InlineData("staging")]
    [InlineData("production")]
    public void AcrossAzsABC_EverySubnetIsInAzABOrC_AndEachSubnetTierSpansAllThree(string environment)
    {
        var subnets = synthesis.Environments[environment].Network.Resources("AWS::EC2::Subnet").ToList();
        Assert.NotEmpty(subnets);
        Assert.All(subnets, s => Assert.Contains((string?)s.Properties["AvailabilityZone"], DataResidency.AvailabilityZones));

        foreach (var tier in new[] { "edge", "compute", "data" })
        {
            var zones = subnets
                .Where(s => s.Id.StartsWith($"Vpc{tier}Subnet", StringComparison.Ordinal))
                .Select(s => (string)s.Properties["AvailabilityZone"]!)
                .ToHashSet();
            Assert.Equal(DataResidency.AvailabilityZones.ToHashSet(), zones);
        }
    }

    [Fact]
    public void DataIsStoredInApSoutheast2_SynthesisingForAnotherRegionFails()
    {
        var app = new App(new AppProps
        {
            Outdir = Path.Combine(Path.GetTempPath(), "estimo-cdk-wrong-region"),
            Context = new Dictionary<string, object> { ["estimo:region"] = "us-east-1" },
        });

        var error = Assert.Throws<ResidencyViolationException>(() => EstimoApp.Build(app));

        Assert.Contains("us-east-1", error.Message, StringComparison.Ordinal);
        Assert.Contains("ap-southeast-2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DataIsStoredInApSoutheast2_ACertificateFromAnotherRegionIsRefused()
    {
        var settings = Settings() with { CertificateArn = "arn:aws:acm:us-east-1:123456789012:certificate/abc" };

        var error = Assert.Throws<ArgumentException>(settings.Validate);

        Assert.Contains("estimo:production:certificateArn", error.Message, StringComparison.Ordinal);
    }

    internal static EnvironmentSettings Settings() => new()
    {
        Name = "production",
        Region = DataResidency.Region,
        CertificateArn = "arn:aws:acm:ap-southeast-2:123456789012:certificate/abc",
        AdminCidrs = ["198.51.100.0/24"],
        SupportKeyPairName = "support",
        ImageTag = "test",
        DesiredCount = 2,
        NatGateways = 3,
    };
}
