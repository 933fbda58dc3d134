using System.Globalization;
using System.Net;
using Constructs;

namespace Estimo.Infra.Configuration;

/// <summary>
/// What differs between staging and production. Values come from CDK context
/// (<c>-c estimo:production:certificateArn=…</c>, or cdk.json) so that no account-specific value
/// is committed; the defaults are placeholders that synthesise but cannot deploy.
/// </summary>
public sealed record EnvironmentSettings
{
    /// <summary>A documentation-range network (RFC 5737): synthesises, admits nobody.</summary>
    public const string PlaceholderAdminCidr = "192.0.2.0/24";

    /// <summary>Short lower-case name used in resource names: <c>staging</c> or <c>production</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Region to synthesise for; anything but the residency region is refused.</summary>
    public required string Region { get; init; }

    /// <summary>ACM certificate for the public HTTPS listener, imported by ARN.</summary>
    public required string CertificateArn { get; init; }

    /// <summary>Networks the support engineers connect from; the only sources allowed to reach port 22.</summary>
    public required IReadOnlyList<string> AdminCidrs { get; init; }

    /// <summary>EC2 key pair (created out of band) whose public key is installed on the bastion.</summary>
    public required string SupportKeyPairName { get; init; }

    /// <summary>Image tag in the ECR repository that the service runs (the commit SHA in CI).</summary>
    public required string ImageTag { get; init; }

    /// <summary>Number of tasks; at least two in production so that one AZ can fail.</summary>
    public required double DesiredCount { get; init; }

    /// <summary>NAT gateways: one per AZ in production, one in staging to save cost.</summary>
    public required double NatGateways { get; init; }

    /// <summary>Optional e-mail subscribed to the alarm topic.</summary>
    public string? AlarmEmail { get; init; }

    public static EnvironmentSettings FromContext(Construct scope, string name)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var production = name == "production";
        string Get(string key, string fallback) =>
            scope.Node.TryGetContext($"estimo:{name}:{key}") is string value && value.Length > 0 ? value : fallback;

        var settings = new EnvironmentSettings
        {
            Name = name,
            Region = scope.Node.TryGetContext("estimo:region") as string ?? Residency.DataResidency.Region,
            CertificateArn = Get("certificateArn",
                $"arn:aws:acm:{Residency.DataResidency.Region}:000000000000:certificate/00000000-0000-0000-0000-000000000000"),
            AdminCidrs = Get("adminCidrs", PlaceholderAdminCidr)
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            SupportKeyPairName = Get("supportKeyPair", $"estimo-{name}-support"),
            ImageTag = Get("imageTag", "unset"),
            DesiredCount = double.Parse(Get("desiredCount", production ? "2" : "1"), CultureInfo.InvariantCulture),
            NatGateways = production ? 3 : 1,
            AlarmEmail = Get("alarmEmail", string.Empty) is { Length: > 0 } email ? email : null,
        };
        settings.Validate();
        return settings;
    }

    /// <summary>Rejects settings that would break a published practice, all at once.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (AdminCidrs.Count == 0)
        {
            errors.Add($"estimo:{Name}:adminCidrs must name at least one network.");
        }

        foreach (var cidr in AdminCidrs)
        {
            if (!IPNetwork.TryParse(cidr, out var network))
            {
                errors.Add($"estimo:{Name}:adminCidrs entry '{cidr}' is not a CIDR block.");
            }
            else if (network.PrefixLength < 16)
            {
                // SSH is for support engineers only: a /0 or a whole provider's range is not "only".
                errors.Add($"estimo:{Name}:adminCidrs entry '{cidr}' is wider than /16; SSH is for support engineers only.");
            }
        }

        // An ALB can only use a certificate from its own region, so a foreign one is a typo
        // for another environment, not a choice.
        if (!CertificateArn.StartsWith($"arn:aws:acm:{Residency.DataResidency.Region}:", StringComparison.Ordinal))
        {
            errors.Add($"estimo:{Name}:certificateArn '{CertificateArn}' is not an ACM certificate ARN in {Residency.DataResidency.Region}.");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors));
        }
    }
}
