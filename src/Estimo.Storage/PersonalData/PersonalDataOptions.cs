using Microsoft.Extensions.Options;

namespace Estimo.Storage.PersonalData;

/// <summary>Settings under <c>PersonalData:</c>: how often stored account ids are reported to Atlassian.</summary>
public sealed class PersonalDataOptions
{
    public const string SectionName = "PersonalData";

    /// <summary>Each installation's account ids are reported this often (default 1 day; Atlassian asks for at most 7).</summary>
    public TimeSpan ReportEvery { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often the remote looks for installations due a report.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(15);
}

internal sealed class PersonalDataOptionsValidator : IValidateOptions<PersonalDataOptions>
{
    public ValidateOptionsResult Validate(string? name, PersonalDataOptions options)
    {
        var errors = new List<string>();
        if (options.ReportEvery < TimeSpan.FromHours(1) || options.ReportEvery > TimeSpan.FromDays(7))
        {
            errors.Add("PersonalData:ReportEvery must be between 01:00:00 and 7.00:00:00 (Atlassian requires a report at least every 7 days).");
        }

        if (options.CheckInterval < TimeSpan.FromSeconds(10) || options.CheckInterval > options.ReportEvery)
        {
            errors.Add("PersonalData:CheckInterval must be at least 00:00:10 and not longer than PersonalData:ReportEvery.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
