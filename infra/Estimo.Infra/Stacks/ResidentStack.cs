using Amazon.CDK;
using Constructs;
using Estimo.Infra.Residency;
using Environment = Amazon.CDK.Environment;

namespace Estimo.Infra.Stacks;

/// <summary>
/// A stack pinned to the residency region. The account is left to the deploying credentials
/// (so synthesis needs no AWS account), and the availability zones are the named ones rather
/// than a context lookup, so every environment lays out the same AZs a, b and c.
/// </summary>
public abstract class ResidentStack : Stack
{
    protected ResidentStack(Construct scope, string id, string region, string description, bool terminationProtection = false)
        : base(scope, id, new StackProps
        {
            Env = new Environment { Region = CheckedRegion(region, id) },
            Description = description,
            TerminationProtection = terminationProtection,
        })
    {
    }

    /// <inheritdoc />
    public override string[] AvailabilityZones => [.. DataResidency.AvailabilityZones];

    private static string CheckedRegion(string region, string id)
    {
        DataResidency.EnsureAllowed(region, $"Stack '{id}'");
        return region;
    }
}
