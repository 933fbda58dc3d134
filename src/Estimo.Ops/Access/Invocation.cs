using System.CommandLine;

namespace Estimo.Ops.Access;

/// <summary>The command line being run, for the gate: its command path and its option values.</summary>
internal static class Invocation
{
    public static string? Command { get; set; }

    public static ParseResult? Parsed { get; set; }

    /// <summary>The value of the running command's option <paramref name="name"/>, or null when it has no such option or it was not given.</summary>
    public static string? OptionValue(string name) =>
        Parsed is { } parsed && parsed.CommandResult.Command.Options.Any(o => o.Name == name) ? parsed.GetValue<string>(name) : null;
}
