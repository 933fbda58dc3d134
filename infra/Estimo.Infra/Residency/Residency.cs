namespace Estimo.Infra.Residency;

/// <summary>
/// The one place that says where customer data lives. Our published practice: "data is stored
/// in ap-southeast-2 across AZs a, b and c". Every stack takes its region and availability zones
/// from here, and nothing else in the app names a region.
/// </summary>
public static class DataResidency
{
    /// <summary>The only region the app may be synthesised for.</summary>
    public const string Region = "ap-southeast-2";

    /// <summary>The availability zones that hold subnets, named explicitly so synthesis needs no lookup.</summary>
    public static IReadOnlyList<string> AvailabilityZones { get; } =
        ["ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"];

    /// <summary>Throws unless <paramref name="region"/> is the residency region.</summary>
    /// <exception cref="ResidencyViolationException">The region is missing or another region.</exception>
    public static void EnsureAllowed(string? region, string what)
    {
        if (!string.Equals(region, Region, StringComparison.Ordinal))
        {
            throw new ResidencyViolationException(
                $"{what} targets region '{region ?? "(unset)"}', but Estimo's published data residency is {Region} " +
                $"(AZs {string.Join(", ", AvailabilityZones)}). Refusing to synthesise; change DataResidency, the " +
                "published practices and the customer notice together if this is really intended.");
        }
    }
}

/// <summary>The app was asked to place resources outside the residency region.</summary>
public sealed class ResidencyViolationException : Exception
{
    public ResidencyViolationException(string message)
        : base(message)
    {
    }

    public ResidencyViolationException()
    {
    }

    public ResidencyViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
