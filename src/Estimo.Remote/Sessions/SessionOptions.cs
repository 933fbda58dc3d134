using Microsoft.Extensions.Options;

namespace Estimo.Remote.Sessions;

/// <summary>Settings under <c>Sessions:</c>.</summary>
public sealed class SessionOptions
{
    public const string SectionName = "Sessions";

    /// <summary>How long a long poll waits for a change before answering 204.</summary>
    public TimeSpan LongPollTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Finished sessions are deleted this long after they end.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Sessions nobody touched for this long are deleted even if never ended.</summary>
    public TimeSpan AbandonedAfter { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How often the retention sweep runs.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Most live sessions kept in memory by one instance.</summary>
    public int MaxCachedSessions { get; set; } = 20_000;
}

internal sealed class SessionOptionsValidator : IValidateOptions<SessionOptions>
{
    public ValidateOptionsResult Validate(string? name, SessionOptions options)
    {
        var errors = new List<string>();
        if (options.LongPollTimeout < TimeSpan.FromSeconds(1) || options.LongPollTimeout > TimeSpan.FromSeconds(23))
        {
            errors.Add("Sessions:LongPollTimeout must be between 00:00:01 and 00:00:23 (Forge gives a request 25 s).");
        }

        if (options.Retention < TimeSpan.FromHours(1) || options.Retention > TimeSpan.FromDays(365))
        {
            errors.Add("Sessions:Retention must be between 01:00:00 and 365.00:00:00.");
        }

        if (options.AbandonedAfter < options.Retention)
        {
            errors.Add("Sessions:AbandonedAfter must not be shorter than Sessions:Retention.");
        }

        if (options.SweepInterval < TimeSpan.FromSeconds(10))
        {
            errors.Add("Sessions:SweepInterval must be at least 00:00:10.");
        }

        if (options.MaxCachedSessions < 10)
        {
            errors.Add("Sessions:MaxCachedSessions must be at least 10.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
