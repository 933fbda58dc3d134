using Microsoft.Extensions.Options;
using Serilog.Events;

namespace Estimo.Remote.Logging;

/// <summary>Settings under <c>Logs:</c>.</summary>
public sealed class LogsOptions
{
    public const string SectionName = "Logs";

    /// <summary>The least level written (Verbose, Debug, Information, Warning, Error, Fatal).</summary>
    public LogEventLevel Level { get; set; } = LogEventLevel.Information;

    /// <summary>Write ECS JSON to standard output.</summary>
    public bool Console { get; set; } = true;

    /// <summary>A rolling log file (daily, 14 kept), or empty for none.</summary>
    public string? FilePath { get; set; }

    /// <summary>The service name stamped on every event (<c>service.name</c>).</summary>
    public string ServiceName { get; set; } = "estimo-remote";
}

internal sealed class LogsOptionsValidator : IValidateOptions<LogsOptions>
{
    public ValidateOptionsResult Validate(string? name, LogsOptions options)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(options.Level))
        {
            errors.Add("Logs:Level must be one of Verbose, Debug, Information, Warning, Error, Fatal.");
        }

        if (string.IsNullOrWhiteSpace(options.ServiceName))
        {
            errors.Add("Logs:ServiceName is required.");
        }

        if (options.FilePath is { Length: > 0 } path && path.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            errors.Add("Logs:FilePath is not a valid path.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
