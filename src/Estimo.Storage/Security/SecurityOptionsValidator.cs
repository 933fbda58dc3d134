using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Estimo.Storage.Security;

/// <summary>
/// Checks the encryption settings and reports every bad one at once, each under its full
/// configuration name.
/// </summary>
public sealed partial class SecurityOptionsValidator : IValidateOptions<SecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, SecurityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!Enum.IsDefined(options.KeyProvider))
        {
            errors.Add($"Security:KeyProvider '{options.KeyProvider}' is not supported; use Local or Kms.");
        }

        if (options.KeyProvider == KeyProviderKind.Kms)
        {
            if (string.IsNullOrWhiteSpace(options.Kms.KeyArn))
            {
                errors.Add("Security:Kms:KeyArn is required when Security:KeyProvider is Kms.");
            }
            else if (RegionOf(options.Kms.KeyArn) is null)
            {
                errors.Add($"Security:Kms:KeyArn '{options.Kms.KeyArn}' is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID).");
            }

            if (options.Kms.ServiceUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("https" or "http")))
            {
                errors.Add("Security:Kms:ServiceUrl must be an absolute http(s) URL.");
            }
        }

        if (options.DataKeyCache.MaxEntries < 1)
        {
            errors.Add("Security:DataKeyCache:MaxEntries must be at least 1.");
        }

        if (options.DataKeyCache.TimeToLive <= TimeSpan.Zero || options.DataKeyCache.TimeToLive > TimeSpan.FromHours(24))
        {
            errors.Add("Security:DataKeyCache:TimeToLive must be more than 0 and at most 24:00:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The region of a KMS key or alias ARN, or null when it is not one.</summary>
    public static string? RegionOf(string arn)
    {
        var match = KmsArn().Match(arn.Trim());
        return match.Success ? match.Groups["region"].Value : null;
    }

    [GeneratedRegex(@"^arn:aws(?:-cn|-us-gov|-iso[a-z]?)?:kms:(?<region>[a-z0-9-]+):(?<account>\d{12}):(?:key|alias)/.+$", RegexOptions.CultureInvariant)]
    private static partial Regex KmsArn();
}
