using Estimo.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Estimo.Ops;

/// <summary>
/// The services an operator command needs, configured exactly like the remote: from
/// <c>appsettings.json</c> in the working directory (optional), environment variables
/// (<c>Storage__Provider</c>…), and <c>--set Section:Key=value</c> options.
/// </summary>
internal static class OpsHost
{
    public static ServiceProvider Build(IReadOnlyList<string> settings)
    {
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var setting in settings)
        {
            var equals = setting.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new OpsException($"--set expects Section:Key=value, got '{setting}'.");
            }

            overrides[setting[..equals]] = setting[(equals + 1)..];
        }

        var configuration = new ConfigurationBuilder()
            .SetBasePath(Directory.GetCurrentDirectory())
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(overrides)
            .Build();

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.EntityFrameworkCore", LogLevel.None) // failures surface as one-line errors instead
            .AddFilter("Estimo.Storage.Backups", LogLevel.None) // backup commands print their own outcome as one line
            .AddSimpleConsole(console => console.SingleLine = true));
        services.AddEstimoStorage(configuration);
        Estimo.Forge.Privacy.PersonalDataReportingServiceCollectionExtensions.AddPersonalDataReportingClient(services);
        services.AddTransient<Estimo.Storage.PersonalData.PersonalDataReporter>();
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        try
        {
            _ = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<Estimo.Storage.Security.SecurityOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<Estimo.Storage.Backups.BackupOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            provider.Dispose();
            throw new OpsException(string.Join(" ", ex.Failures));
        }

        return provider;
    }
}

/// <summary>A command failed for a reason the operator can act on; printed as one line.</summary>
internal sealed class OpsException : Exception
{
    public OpsException(string message)
        : base(message)
    {
    }

    public OpsException()
    {
    }

    public OpsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
