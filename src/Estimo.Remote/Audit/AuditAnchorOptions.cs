using System.Globalization;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Audit;

/// <summary>Settings of the <c>Audit</c> configuration section.</summary>
internal sealed class AuditAnchorOptions
{
    public const string SectionName = "Audit";

    /// <summary>The shortest and longest interval accepted.</summary>
    public static readonly TimeSpan Minimum = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan Maximum = TimeSpan.FromDays(1);

    /// <summary>
    /// How often the chain head is anchored and exported (a .NET time span, <c>hh:mm:ss</c>
    /// or <c>d.hh:mm:ss</c>; 1 hour by default); <c>0</c> or <c>off</c> disables.
    /// </summary>
    public string AnchorInterval { get; set; } = "01:00:00";

    /// <summary>The parsed interval; null when disabled. Only valid after validation.</summary>
    public TimeSpan? Interval => TryParse(AnchorInterval, out var interval) ? interval : null;

    internal static bool TryParse(string? text, out TimeSpan? interval)
    {
        interval = null;
        var value = text?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        if (value is "0" || string.Equals(value, "off", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var parsed) || parsed < Minimum || parsed > Maximum)
        {
            return false;
        }

        interval = parsed;
        return true;
    }
}

/// <summary><c>Audit:AnchorInterval</c> must be off or between a minute and a day.</summary>
internal sealed class AuditAnchorOptionsValidator : IValidateOptions<AuditAnchorOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditAnchorOptions options) =>
        AuditAnchorOptions.TryParse(options.AnchorInterval, out _)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Audit:AnchorInterval '{options.AnchorInterval}' must be a time span between 00:01:00 and 1.00:00:00 (e.g. 01:00:00), or 0 / off to disable anchoring.");
}
