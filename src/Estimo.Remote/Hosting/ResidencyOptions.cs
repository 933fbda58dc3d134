using Estimo.Core.Residency;
using Estimo.Storage;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Hosting;

/// <summary>Settings under <c>Residency:</c>: the AWS regions data may live in.</summary>
public sealed class ResidencyOptions
{
    public const string SectionName = "Residency";

    /// <summary>Allowed regions; ap-southeast-2 when not set.</summary>
    public string[] AllowedRegions { get; set; } = [];
}

/// <summary>
/// The runtime residency guard: the remote refuses to start when its database, backup bucket
/// or KMS key is configured in a region outside <see cref="ResidencyOptions.AllowedRegions"/>.
/// Runs with every other options validator, so violations are listed with the rest.
/// </summary>
internal sealed class ResidencyOptionsValidator(IOptions<StorageOptions> storage, IConfiguration configuration) : IValidateOptions<ResidencyOptions>
{
    public ValidateOptionsResult Validate(string? name, ResidencyOptions options)
    {
        StorageOptions? storageOptions;
        try
        {
            storageOptions = storage.Value;
        }
        catch (OptionsValidationException)
        {
            // Storage reports its own errors; residency checks what it can without them.
            storageOptions = null;
        }

        var violations = ResidencyGuard.Check(new ResidencyInputs
        {
            AllowedRegions = options.AllowedRegions.Length > 0 ? options.AllowedRegions : null,
            StorageConnectionString = storageOptions?.Provider == StorageProvider.PostgreSql ? storageOptions.PostgreSqlConnectionString() : null,
            BackupS3Region = configuration[ResidencySettingNames.BackupS3Region],
            KmsKeyArn = configuration[ResidencySettingNames.KmsKeyArn],
        });
        return violations.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(violations.Select(v => v.Message));
    }
}
