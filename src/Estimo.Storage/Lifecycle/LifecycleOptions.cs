using Microsoft.Extensions.Options;

namespace Estimo.Storage.Lifecycle;

/// <summary>Settings under <c>Lifecycle:</c>: when an installation that looks gone is purged.</summary>
public sealed class LifecycleOptions
{
    public const string SectionName = "Lifecycle";

    /// <summary>An uninstalled installation is purged this long after the uninstall (default 3 days, at most 7).</summary>
    public TimeSpan PurgeAfterUninstall { get; set; } = TimeSpan.FromDays(3);

    /// <summary>
    /// An installation whose system token Atlassian has refused (401/403) for this many days is
    /// purged (default 5). The refusal is noticed at the next personal-data report, so the purge
    /// lands within <c>PersonalData:ReportEvery</c> + this + <see cref="SweepInterval"/> of the uninstall.
    /// </summary>
    public int PurgeAfterTokenRefusedDays { get; set; } = 5;

    /// <summary>How often the remote looks for installations due for a purge.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);
}

internal sealed class LifecycleOptionsValidator : IValidateOptions<LifecycleOptions>
{
    public ValidateOptionsResult Validate(string? name, LifecycleOptions options)
    {
        var errors = new List<string>();
        if (options.PurgeAfterUninstall < TimeSpan.FromHours(1) || options.PurgeAfterUninstall > TimeSpan.FromDays(7))
        {
            errors.Add("Lifecycle:PurgeAfterUninstall must be between 01:00:00 and 7.00:00:00 (we publish a purge within 7 days of uninstall).");
        }

        if (options.PurgeAfterTokenRefusedDays is < 1 or > 6)
        {
            errors.Add("Lifecycle:PurgeAfterTokenRefusedDays must be between 1 and 6 (the refusal is seen up to a day after the uninstall; we publish a purge within 7 days).");
        }

        if (options.SweepInterval < TimeSpan.FromSeconds(10) || options.SweepInterval > TimeSpan.FromHours(12))
        {
            errors.Add("Lifecycle:SweepInterval must be between 00:00:10 and 12:00:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
