using System.Text.RegularExpressions;

namespace Estimo.Core.Residency;

/// <summary>The configuration keys the guard reads, by their full names.</summary>
public static class ResidencySettingNames
{
    /// <summary>Regions data may live in; default <c>["ap-southeast-2"]</c>.</summary>
    public const string AllowedRegions = "Residency:AllowedRegions";

    /// <summary>The database connection string (Npgsql keywords, a postgres:// URI, or a SQLite data source).</summary>
    public const string StorageConnectionString = "Storage:ConnectionString";

    /// <summary>The region of the S3 bucket that application backups are written to.</summary>
    public const string BackupS3Region = "Backups:S3:Region";

    /// <summary>The KMS key that wraps data keys, as a full key or alias ARN.</summary>
    public const string KmsKeyArn = "Security:Kms:KeyArn";
}

/// <summary>The resources whose location the guard checks. Unset values are not checked.</summary>
public sealed record ResidencyInputs
{
    /// <summary><see cref="ResidencySettingNames.AllowedRegions"/>; empty or null means the default.</summary>
    public IReadOnlyList<string>? AllowedRegions { get; init; }

    /// <summary><see cref="ResidencySettingNames.StorageConnectionString"/>.</summary>
    public string? StorageConnectionString { get; init; }

    /// <summary><see cref="ResidencySettingNames.BackupS3Region"/>.</summary>
    public string? BackupS3Region { get; init; }

    /// <summary><see cref="ResidencySettingNames.KmsKeyArn"/>.</summary>
    public string? KmsKeyArn { get; init; }
}

/// <summary>One setting that would put data outside the allowed regions.</summary>
/// <param name="Setting">The setting's full name, e.g. <c>Storage:ConnectionString</c>.</param>
/// <param name="Message">What is wrong, starting with the setting name. Never contains a secret.</param>
public sealed record ResidencyViolation(string Setting, string Message)
{
    public override string ToString() => Message;
}

/// <summary>
/// Refuses configurations that would store customer data outside the published regions
/// ("data is stored in ap-southeast-2"). It reads regions from the resources' own names:
/// <list type="bullet">
/// <item>a database host <c>*.REGION.rds.amazonaws.com</c> (instances, clusters and proxies);
/// any other <c>*.amazonaws.com</c> host must name its region as a label too. Hosts that are not
/// AWS names — <c>localhost</c>, loopback or other IP addresses, private DNS names, and SQLite
/// file paths — are not AWS resources and are allowed;</item>
/// <item>the backup bucket's region as configured;</item>
/// <item>the KMS key ARN <c>arn:PARTITION:kms:REGION:ACCOUNT:key/…</c> (or <c>alias/…</c>); a bare
/// key id or alias name is refused because its region would silently be the SDK default.</item>
/// </list>
/// It reports every violation at once, by full setting name, and never echoes a connection
/// string (which carries a password): only the host name appears in a message.
/// </summary>
public sealed partial class ResidencyGuard
{
    /// <summary>The regions allowed when <see cref="ResidencySettingNames.AllowedRegions"/> is not set.</summary>
    public static IReadOnlyList<string> DefaultAllowedRegions { get; } = ["ap-southeast-2"];

    [GeneratedRegex(@"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionPattern();

    // name.identifier.REGION.rds.amazonaws.com, and generally SERVICE-or-name.REGION.SERVICE.amazonaws.com.
    [GeneratedRegex(@"(?:^|\.)(?<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2})\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$", RegexOptions.CultureInvariant)]
    private static partial Regex AwsHostRegion();

    [GeneratedRegex(@"^arn:aws(?:-cn|-us-gov|-iso[a-z]?)?:kms:(?<region>[^:]*):(?<account>\d{12}):(?:key|alias)/.+$", RegexOptions.CultureInvariant)]
    private static partial Regex KmsArn();

    /// <summary>Checks every configured resource and returns all violations (empty when resident).</summary>
    public static IReadOnlyList<ResidencyViolation> Check(ResidencyInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var violations = new List<ResidencyViolation>();
        var allowed = AllowedRegionsOf(inputs.AllowedRegions, violations);

        CheckDatabase(inputs.StorageConnectionString, allowed, violations);
        CheckBackupRegion(inputs.BackupS3Region, allowed, violations);
        CheckKmsKey(inputs.KmsKeyArn, allowed, violations);
        return violations;
    }

    /// <summary>
    /// The AWS region a host name places a resource in; <c>null</c> when the host is not an AWS
    /// name. Throws nothing; an AWS name without a region label returns <see cref="string.Empty"/>.
    /// </summary>
    public static string? RegionOfHost(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var name = host.Trim().TrimEnd('.').ToLowerInvariant();
        if (!name.EndsWith(".amazonaws.com", StringComparison.Ordinal) && !name.EndsWith(".amazonaws.com.cn", StringComparison.Ordinal))
        {
            return null;
        }

        var match = AwsHostRegion().Match(name);
        return match.Success ? match.Groups["region"].Value : string.Empty;
    }

    /// <summary>
    /// The database host names in a connection string: Npgsql <c>Host</c>/<c>Server</c> (comma
    /// separated for multi-host), or a <c>postgres://</c>/<c>postgresql://</c> URI. SQLite data
    /// sources (<c>Data Source</c>, <c>Filename</c>) are files, so they yield no host.
    /// </summary>
    public static IReadOnlyList<string> DatabaseHosts(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var text = connectionString.Trim();
        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            var authority = text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..];
            authority = authority.Split('/', '?')[0];
            authority = authority[(authority.LastIndexOf('@') + 1)..];
            return [.. authority.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(StripPort)];
        }

        var hosts = new List<string>();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var key = part[..equals].Trim();
            if (key.Equals("Host", StringComparison.OrdinalIgnoreCase) || key.Equals("Server", StringComparison.OrdinalIgnoreCase))
            {
                hosts.AddRange(part[(equals + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(StripPort));
            }
        }

        return hosts;
    }

    private static string StripPort(string host)
    {
        var h = host.Trim();
        if (h.StartsWith('['))
        {
            return h[1..Math.Max(1, h.IndexOf(']', StringComparison.Ordinal))];
        }

        var colon = h.LastIndexOf(':');
        return colon > 0 && h.IndexOf(':', StringComparison.Ordinal) == colon ? h[..colon] : h;
    }

    private static HashSet<string> AllowedRegionsOf(IReadOnlyList<string>? configured, List<ResidencyViolation> violations)
    {
        var regions = configured is { Count: > 0 } ? configured : DefaultAllowedRegions;
        var allowed = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < regions.Count; i++)
        {
            var region = regions[i]?.Trim() ?? string.Empty;
            if (RegionPattern().IsMatch(region))
            {
                allowed.Add(region);
            }
            else
            {
                violations.Add(new(ResidencySettingNames.AllowedRegions,
                    $"{ResidencySettingNames.AllowedRegions}:{i} '{region}' is not an AWS region name (e.g. ap-southeast-2)."));
            }
        }

        return allowed;
    }

    private static void CheckDatabase(string? connectionString, HashSet<string> allowed, List<ResidencyViolation> violations)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return;
        }

        const string setting = ResidencySettingNames.StorageConnectionString;
        foreach (var host in DatabaseHosts(connectionString))
        {
            var region = RegionOfHost(host);
            if (region is null)
            {
                continue; // not an AWS host: a local or self-hosted database
            }

            if (region.Length == 0)
            {
                violations.Add(new(setting, $"{setting}: database host '{host}' is an AWS name without a region, so its residency cannot be checked; use the regional endpoint."));
            }
            else if (!allowed.Contains(region))
            {
                violations.Add(new(setting, $"{setting}: database host '{host}' is in {region}, {NotAllowed(allowed)}"));
            }
        }
    }

    private static void CheckBackupRegion(string? region, HashSet<string> allowed, List<ResidencyViolation> violations)
    {
        if (string.IsNullOrWhiteSpace(region))
        {
            return;
        }

        const string setting = ResidencySettingNames.BackupS3Region;
        var trimmed = region.Trim();
        if (!allowed.Contains(trimmed))
        {
            violations.Add(new(setting, $"{setting}: backup bucket region '{trimmed}' {NotAllowed(allowed)}"));
        }
    }

    private static void CheckKmsKey(string? arn, HashSet<string> allowed, List<ResidencyViolation> violations)
    {
        if (string.IsNullOrWhiteSpace(arn))
        {
            return;
        }

        const string setting = ResidencySettingNames.KmsKeyArn;
        var match = KmsArn().Match(arn.Trim());
        if (!match.Success)
        {
            violations.Add(new(setting, $"{setting}: '{arn.Trim()}' is not a KMS key or alias ARN (arn:aws:kms:REGION:ACCOUNT:key/ID); a bare id or alias would resolve in whatever region the SDK defaults to."));
        }
        else if (!allowed.Contains(match.Groups["region"].Value))
        {
            violations.Add(new(setting, $"{setting}: KMS key is in '{match.Groups["region"].Value}', {NotAllowed(allowed)}"));
        }
    }

    private static string NotAllowed(HashSet<string> allowed) =>
        $"which is not an allowed region ({ResidencySettingNames.AllowedRegions}: {(allowed.Count == 0 ? "none valid" : string.Join(", ", allowed.Order(StringComparer.Ordinal)))}).";
}
