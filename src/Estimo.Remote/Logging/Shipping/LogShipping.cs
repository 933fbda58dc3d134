namespace Estimo.Remote.Logging.Shipping;

/// <summary>
/// Whether logs are shipped, and the durable buffer when they are. Built from the raw settings
/// (the logger is created before the start-up validator runs, and validation must not throw
/// here, so that every bad setting is reported together later).
/// </summary>
internal sealed class LogShipping : IDisposable
{
    public LogShipping(IConfiguration configuration, IHostEnvironment environment)
    {
        ElasticsearchOptions? options;
        LogsOptions? logs;
        try
        {
            options = configuration.GetSection(ElasticsearchOptions.SectionName).Get<ElasticsearchOptions>();
            logs = configuration.GetSection(LogsOptions.SectionName).Get<LogsOptions>();
        }
        catch (InvalidOperationException)
        {
            // Reported by the start-up validator with the rest.
            return;
        }

        if (options is not { Enabled: true } || string.IsNullOrWhiteSpace(options.BufferDirectory) || options.MaxBufferBytes <= 0)
        {
            return;
        }

        Options = options;
        DataStream = options.DataStreamName(logs?.ServiceName ?? new LogsOptions().ServiceName, environment.EnvironmentName);
        try
        {
            Buffer = new DurableLogBuffer(options.BufferDirectory, options.MaxBufferBytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // Reported by the start-up validator, with the rest, instead of crashing here.
            BufferError = ex.GetType().Name;
        }
    }

    /// <summary>Why the buffer directory could not be used, if it could not.</summary>
    public string? BufferError { get; }

    public ElasticsearchOptions? Options { get; }

    /// <summary>The data stream events go to (<c>logs-&lt;service&gt;-&lt;environment&gt;</c>).</summary>
    public string DataStream { get; } = string.Empty;

    public DurableLogBuffer? Buffer { get; }

    /// <summary>The async queue in front of the buffer (drops when full instead of blocking).</summary>
    public ShippingQueueMonitor Queue { get; } = new();

    public void Dispose() => Buffer?.Dispose();
}
