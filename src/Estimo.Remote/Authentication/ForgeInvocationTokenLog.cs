using Estimo.Forge.Authentication;

namespace Estimo.Remote.Authentication;

/// <summary>Log events of the FIT scheme (event ids 2000–2099). Never the token.</summary>
internal static partial class ForgeInvocationTokenLog
{
    [LoggerMessage(2001, LogLevel.Information, "Forge invocation token rejected: {FitFailure}")]
    public static partial void TokenRejected(this ILogger logger, FitFailure fitFailure);

    [LoggerMessage(2002, LogLevel.Debug, "Forge invocation token accepted for installation {InstallationId}")]
    public static partial void TokenAccepted(this ILogger logger, string installationId);

    [LoggerMessage(2003, LogLevel.Information, "Authorization header does not use the Bearer scheme")]
    public static partial void NotBearer(this ILogger logger);
}
