using Estimo.Core.Residency;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Estimo.Storage.Backups;

/// <summary>
/// Every bad <c>Backups:*</c> setting at once, by full name. The S3 bucket's region must be one
/// of <c>Residency:AllowedRegions</c> (default ap-southeast-2), as for the database and KMS key.
/// The cron expression is checked by the remote's scheduler, which is its only user.
/// </summary>
internal sealed class BackupOptionsValidator(IConfiguration configuration) : IValidateOptions<BackupOptions>
{
    public ValidateOptionsResult Validate(string? name, BackupOptions options)
    {
        var errors = new List<string>();
        if (options.Retention.DailyDays < 1)
        {
            errors.Add("Backups:Retention:DailyDays must be at least 1.");
        }

        if (options.Retention.MonthlyMonths < 0)
        {
            errors.Add("Backups:Retention:MonthlyMonths must not be negative.");
        }

        if (options.DrillSampleSize is < 1 or > 10_000)
        {
            errors.Add("Backups:DrillSampleSize must be between 1 and 10000.");
        }

        if (options.Target == BackupTargetKind.S3)
        {
            var s3 = options.S3;
            if (string.IsNullOrWhiteSpace(s3.Bucket))
            {
                errors.Add("Backups:S3:Bucket is required when Backups:Target is S3.");
            }

            if (string.IsNullOrWhiteSpace(s3.KmsKeyId))
            {
                errors.Add("Backups:S3:KmsKeyId is required when Backups:Target is S3 (objects are encrypted with SSE-KMS).");
            }

            if (string.IsNullOrWhiteSpace(s3.Region))
            {
                errors.Add("Backups:S3:Region is required when Backups:Target is S3.");
            }
            else
            {
                var allowed = configuration.GetSection("Residency:AllowedRegions").Get<string[]>();
                errors.AddRange(ResidencyGuard.Check(new ResidencyInputs
                {
                    AllowedRegions = allowed is { Length: > 0 } ? allowed : null,
                    BackupS3Region = s3.Region,
                }).Select(v => v.Message));
            }

            if (s3.EscrowPrefix == s3.Prefix || s3.EscrowPrefix.StartsWith(s3.Prefix, StringComparison.Ordinal) && s3.Prefix.Length > 0)
            {
                errors.Add("Backups:S3:EscrowPrefix must be a prefix of its own, outside Backups:S3:Prefix (it needs its own lifecycle rule).");
            }

            if (string.IsNullOrEmpty(s3.AnchorPrefix) || Overlaps(s3.AnchorPrefix, s3.Prefix) || Overlaps(s3.AnchorPrefix, s3.EscrowPrefix))
            {
                errors.Add("Backups:S3:AnchorPrefix must be a non-empty prefix of its own, outside Backups:S3:Prefix and Backups:S3:EscrowPrefix (it needs Object Lock, and backup retention must never reach it).");
            }

            if (s3.AnchorRetention < TimeSpan.FromDays(1) || s3.AnchorRetention > TimeSpan.FromDays(3650))
            {
                errors.Add("Backups:S3:AnchorRetention must be between 1 and 3650 days (e.g. 400.00:00:00).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool Overlaps(string a, string b) =>
        a.StartsWith(b, StringComparison.Ordinal) || b.StartsWith(a, StringComparison.Ordinal);
}
