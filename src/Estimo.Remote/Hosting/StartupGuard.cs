using Microsoft.Extensions.Options;

namespace Estimo.Remote.Hosting;

/// <summary>
/// Runs the host and turns configuration errors into a readable list on standard error and
/// exit code 2, instead of a stack trace. Every invalid setting is reported at once.
/// </summary>
public static class StartupGuard
{
    public const int ConfigurationErrorExitCode = 2;
    public const int StartupFailureExitCode = 3;

    public static async Task<int> RunAsync(Func<WebApplication> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        try
        {
            await using var app = build();
            await app.RunAsync();
            return 0;
        }
        catch (Exception ex) when (ConfigurationErrors(ex) is { Count: > 0 } errors)
        {
            await Console.Error.WriteLineAsync("Estimo cannot start: the configuration is invalid.");
            foreach (var error in errors)
            {
                await Console.Error.WriteLineAsync("  - " + error);
            }

            return ConfigurationErrorExitCode;
        }
        catch (Estimo.Storage.DatabaseRestoringException ex)
        {
            await Console.Error.WriteLineAsync($"Estimo cannot start: {ex.Message}");
            return StartupFailureExitCode;
        }
        catch (IOException ex) when (ex.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse })
        {
            await Console.Error.WriteLineAsync("Estimo cannot start: a port is already in use (set Remote:Port or Monitoring:ManagementPort to a free port).");
            return StartupFailureExitCode;
        }
    }

    /// <summary>Flattens option validation failures (one or many) and binding failures.</summary>
    public static IReadOnlyList<string> ConfigurationErrors(Exception exception)
    {
        var errors = new List<string>();
        Collect(exception, errors);
        return errors;
    }

    private static void Collect(Exception exception, List<string> errors)
    {
        switch (exception)
        {
            case OptionsValidationException validation:
                errors.AddRange(validation.Failures);
                break;
            case AggregateException aggregate:
                foreach (var inner in aggregate.InnerExceptions)
                {
                    Collect(inner, errors);
                }

                break;
            case InvalidOperationException invalid when invalid.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal):
                errors.Add(invalid.Message);
                break;
            case ConfigurationStartupException startup:
                errors.AddRange(startup.Errors);
                break;
            default:
                if (exception.InnerException is { } inner2)
                {
                    Collect(inner2, errors);
                }

                break;
        }
    }
}

/// <summary>A start-up check (key file, residency…) found settings it cannot accept.</summary>
public sealed class ConfigurationStartupException : Exception
{
    public ConfigurationStartupException(IReadOnlyList<string> errors)
        : base("The configuration is invalid: " + string.Join(" ", errors))
    {
        Errors = errors;
    }

    public ConfigurationStartupException()
        : this([])
    {
    }

    public ConfigurationStartupException(string message)
        : this([message])
    {
    }

    public ConfigurationStartupException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    public IReadOnlyList<string> Errors { get; }
}
