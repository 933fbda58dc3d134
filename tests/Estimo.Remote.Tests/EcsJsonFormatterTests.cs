using System.Text.Json;
using Estimo.Remote.Logging;
using Serilog.Events;
using Serilog.Parsing;

namespace Estimo.Remote.Tests;

public sealed class EcsJsonFormatterTests
{
    private static readonly MessageTemplateParser Parser = new();

    [Fact]
    public void Format_WritesOneEcsLine_WithStringsUnquoted_AndCustomPropertiesUnderEstimo()
    {
        var line = Format("Session {SessionId} has {Count} issues", ("SessionId", "abc123"), ("Count", 3));

        var json = JsonDocument.Parse(line).RootElement;
        Assert.Equal("Session abc123 has 3 issues", json.GetProperty("message").GetString());
        Assert.Equal("info", json.GetProperty("log.level").GetString());
        Assert.Equal("8.11.0", json.GetProperty("ecs.version").GetString());
        Assert.Equal("estimo-remote", json.GetProperty("service").GetProperty("name").GetString());
        Assert.Equal("abc123", json.GetProperty("estimo").GetProperty("session_id").GetString());
        Assert.DoesNotContain('\n', line.TrimEnd('\n'));
    }

    [Theory]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl")]
    [InlineData("Bearer abc.def-ghi_jkl")]
    public void Format_ScrubsTokenShapedText_InTheMessageAndProperties(string secret)
    {
        var line = Format("Got {Value}", ("Value", "header " + secret + " end"));

        Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
        Assert.Contains(LogScrubber.Redacted, line, StringComparison.Ordinal);
    }

    private static string Format(string template, params (string Name, object Value)[] properties)
    {
        var logEvent = new LogEvent(
            DateTimeOffset.UtcNow,
            LogEventLevel.Information,
            exception: null,
            Parser.Parse(template),
            properties.Select(p => new LogEventProperty(p.Name, new ScalarValue(p.Value))));
        using var writer = new StringWriter();
        new EcsJsonFormatter("estimo-remote", "test").Format(logEvent, writer);
        return writer.ToString();
    }
}
