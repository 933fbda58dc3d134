using Estimo.Remote.Logging.Shipping;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Estimo.Remote.Logging;

internal static class LoggingExtensions
{
    /// <summary>
    /// Serilog writes ECS JSON to the console and, when configured, a rolling file. Framework
    /// categories that log raw URLs or headers (hosting diagnostics) are held at Warning, and
    /// our own request log writes the route template instead.
    /// </summary>
    public static WebApplicationBuilder AddEstimoLogging(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LogsOptions>()
            .BindConfiguration(LogsOptions.SectionName)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<LogsOptions>, LogsOptionsValidator>();
        builder.Services.AddOptions<ElasticsearchOptions>()
            .BindConfiguration(ElasticsearchOptions.SectionName)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ElasticsearchOptions>, ElasticsearchOptionsValidator>();
        builder.Services.TryAddSingleton<IElasticsearchProbe, ElasticsearchProbe>();
        builder.Services.AddSingleton<LogShipping>();
        builder.Services.AddSingleton<ElasticsearchLogShipper>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ElasticsearchLogShipper>());

        // preserveStaticLogger: each host keeps its own logger instead of replacing the process-wide
        // Log.Logger, so two hosts in one process (the tests) never write into each other's sinks.
        builder.Services.AddSerilog(preserveStaticLogger: true, configureLogger: (services, logger) =>
        {
            var options = services.GetRequiredService<IOptions<LogsOptions>>().Value;
            var environment = services.GetRequiredService<IHostEnvironment>().EnvironmentName;
            var formatter = new EcsJsonFormatter(options.ServiceName, environment.ToLowerInvariant());
            logger
                .MinimumLevel.Is(options.Level)
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.EntityFrameworkCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.Extensions.Http", LogEventLevel.Warning)
                .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
                .Enrich.FromLogContext()
                .ReadFrom.Services(services);
            if (options.Console)
            {
                logger.WriteTo.Async(sink => sink.Console(formatter, standardErrorFromLevel: null));
            }

            if (options.FilePath is { Length: > 0 } path)
            {
                logger.WriteTo.Async(sink => sink.File(
                    formatter,
                    path,
                    rollingInterval: RollingInterval.Day,
                    retainedFileCountLimit: 14,
                    fileSizeLimitBytes: 100 * 1024 * 1024,
                    rollOnFileSizeLimit: true));
            }

            // Elasticsearch: the sink only appends to the on-disk buffer (behind the async
            // wrapper, so requests never wait on disk or network); ElasticsearchLogShipper sends it.
            var shipping = services.GetRequiredService<LogShipping>();
            if (shipping.Buffer is { } buffer)
            {
                var sink = new DurableBufferSink(buffer, formatter, shipping.Options!.MaxEventBytes);
                logger.WriteTo.Async(s => s.Sink(sink), bufferSize: 10_000, blockWhenFull: false, monitor: shipping.Queue);
            }
        });
        return builder;
    }

    /// <summary>Lets tests attach an extra sink that sees exactly what the formatter writes.</summary>
    public static IServiceCollection AddLogEventSink(this IServiceCollection services, ILogEventSink sink) =>
        services.AddSingleton(sink);
}
