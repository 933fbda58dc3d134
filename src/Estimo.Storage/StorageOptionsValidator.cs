using Microsoft.Extensions.Options;

namespace Estimo.Storage;

/// <summary>
/// Checks the <c>Storage</c> section and reports every bad setting at once, each under its
/// full configuration name, so one start-up attempt shows the operator everything to fix.
/// </summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string Section = StorageOptions.SectionName;
        var errors = new List<string>();

        if (!Enum.IsDefined(options.Provider))
        {
            errors.Add($"{Section}:Provider '{options.Provider}' is not supported; use Sqlite or PostgreSql.");
        }

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            errors.Add($"{Section}:DataDirectory must not be empty.");
        }
        else if (options.DataDirectory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            errors.Add($"{Section}:DataDirectory contains characters that are not valid in a path.");
        }

        if (options.Provider == StorageProvider.PostgreSql && options.PostgreSqlConnectionString() is null)
        {
            errors.Add($"{Section}:ConnectionString is required when {Section}:Provider is PostgreSql (or give {Section}:Host, {Section}:Database, {Section}:Username and {Section}:Password).");
        }

        if (options.Provider == StorageProvider.PostgreSql && string.IsNullOrWhiteSpace(options.ConnectionString) && !string.IsNullOrWhiteSpace(options.Host))
        {
            if (string.IsNullOrWhiteSpace(options.Database))
            {
                errors.Add($"{Section}:Database is required with {Section}:Host.");
            }

            if (string.IsNullOrWhiteSpace(options.Username))
            {
                errors.Add($"{Section}:Username is required with {Section}:Host.");
            }

            if (options.Port is < 1 or > 65535)
            {
                errors.Add($"{Section}:Port must be between 1 and 65535.");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.ConnectionString) && !LooksLikeConnectionString(options.ConnectionString))
        {
            // The value itself is never echoed: connection strings carry passwords.
            errors.Add($"{Section}:ConnectionString is not a key=value connection string.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool LooksLikeConnectionString(string value) =>
        value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .All(part => part.IndexOf('=', StringComparison.Ordinal) > 0);
}
