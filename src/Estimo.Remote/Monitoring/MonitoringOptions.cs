using System.Net;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Monitoring;

/// <summary>
/// Settings under <c>Monitoring:</c>: the management listener that serves <c>/metrics</c> and
/// <c>/health/detail</c>. It is a second HTTPS listener on a loopback address only, so the
/// public listener (and the load balancer in front of it) can never reach it; in the container
/// a sidecar in the same task scrapes it over loopback.
/// </summary>
public sealed class MonitoringOptions
{
    public const string SectionName = "Monitoring";

    /// <summary>The management port; 0 turns the management listener off.</summary>
    public int ManagementPort { get; set; } = 9464;

    /// <summary>The management listener's address; must be a loopback address.</summary>
    public string ManagementListenAddress { get; set; } = "127.0.0.1";
}

internal sealed class MonitoringOptionsValidator : IValidateOptions<MonitoringOptions>
{
    public ValidateOptionsResult Validate(string? name, MonitoringOptions options)
    {
        var errors = new List<string>();
        if (options.ManagementPort is < 0 or > 65535)
        {
            errors.Add("Monitoring:ManagementPort must be between 1 and 65535, or 0 to turn the management listener off.");
        }

        if (!IPAddress.TryParse(options.ManagementListenAddress, out var address) || !IPAddress.IsLoopback(address))
        {
            errors.Add("Monitoring:ManagementListenAddress must be a loopback address (127.0.0.1 or ::1): metrics and dependency detail are for operators only.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
