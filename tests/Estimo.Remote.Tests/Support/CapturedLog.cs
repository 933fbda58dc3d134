using System.Collections.Concurrent;
using Estimo.Remote.Logging;
using Serilog.Core;
using Serilog.Events;

namespace Estimo.Remote.Tests.Support;

/// <summary>Sees every event exactly as the production formatter writes it.</summary>
public sealed class CapturedLog : ILogEventSink
{
    private readonly EcsJsonFormatter _formatter = new("estimo-remote", "test");
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public string Text => string.Join('\n', _lines);

    public void Emit(LogEvent logEvent)
    {
        using var writer = new StringWriter();
        _formatter.Format(logEvent, writer);
        _lines.Enqueue(writer.ToString().TrimEnd('\n'));
    }
}
