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

    [Theory]
    [InlineData("Summary", "Fix the login page for ACME")]
    [InlineData("IssueDescription", "Steps to reproduce")]
    [InlineData("Comment", "Looks good to me")]
    [InlineData("Jql", "project = EST AND text ~ secretproject")]
    [InlineData("DisplayName", "Mia Hoffmann")]
    [InlineData("Email", "mia@acme.example")]
    [InlineData("VoteLabel", "XL")] // a card label that cannot occur in the line's timestamp, as "13" can
    [InlineData("UserToken", "opaque-token-value")]
    [InlineData("ApiKey", "c2VjcmV0LWFwaS1rZXk=")]
    [InlineData("ClientSecret", "hunter2hunter2")]
    public void Format_RedactsNeverLoggedProperties_ByName_InTheMessageAndTheFields(string name, string value)
    {
        var line = Format("Got {" + name + "} for {SessionId}", (name, value), ("SessionId", "s-1"));

        Assert.DoesNotContain(value, line, StringComparison.Ordinal);
        var json = JsonDocument.Parse(line).RootElement;
        Assert.Equal("Got [redacted] for s-1", json.GetProperty("message").GetString());
        Assert.Equal(LogScrubber.Redacted, json.GetProperty("estimo").GetProperty(JsonNamingPolicy.SnakeCaseLower.ConvertName(name)).GetString());
    }

    [Theory]
    [InlineData("mail from mia.hoffmann+jira@acme.example failed", "mia.hoffmann+jira@acme.example", "[redacted-email]")]
    [InlineData("connection from 203.0.113.77 refused", "203.0.113.77", "203.0.113.0")]
    [InlineData("connection from [2001:db8:85a3:8d3:1319:8a2e:370:7348]:443", "2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::")]
    [InlineData("Host=db;Username=app;Password=s3cr3t-Pa55;SSL Mode=Require", "s3cr3t-Pa55", "Password=[redacted]")]
    [InlineData("Authorization: ApiKey c2VjcmV0LWFwaS1rZXk=", "c2VjcmV0LWFwaS1rZXk=", "ApiKey [redacted]")]
    public void Format_ScrubsEmailsSecretsAndFullIpAddresses_InFreeText(string text, string secret, string replacement)
    {
        var line = Format("{Text}", ("Text", text));

        var message = JsonDocument.Parse(line).RootElement.GetProperty("message").GetString()!;
        Assert.DoesNotContain(secret, message, StringComparison.Ordinal);
        Assert.Contains(replacement, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_LeavesTimesVersionsAndRouteTemplatesAlone()
    {
        var line = Format("{Text}", ("Text", "at 00:45:11 version 8.11.0 GET /api/sessions/{sessionId}/votes took 12.5 ms"));

        Assert.Equal("at 00:45:11 version 8.11.0 GET /api/sessions/{sessionId}/votes took 12.5 ms", JsonDocument.Parse(line).RootElement.GetProperty("message").GetString());
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
