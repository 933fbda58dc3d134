using Estimo.Forge.Authentication;

namespace Estimo.Remote.Authentication;

/// <summary>The verified Forge invocation of the current request, set by the FIT handler.</summary>
public interface IForgeInvocationFeature
{
    ForgeInvocationContext Invocation { get; }

    /// <summary>The user's OAuth token, present on invokeRemote calls when enabled in the manifest.</summary>
    ForgeOAuthToken? UserToken { get; }

    /// <summary>The app's system OAuth token, when enabled in the manifest.</summary>
    ForgeOAuthToken? SystemToken { get; }
}

internal sealed record ForgeInvocationFeature(
    ForgeInvocationContext Invocation,
    ForgeOAuthToken? UserToken,
    ForgeOAuthToken? SystemToken) : IForgeInvocationFeature;

/// <summary>Access to the verified invocation from endpoint code.</summary>
public static class ForgeHttpContextExtensions
{
    /// <summary>
    /// The verified invocation. Only call on endpoints that require authorization; throws
    /// otherwise, because reaching it without a verified FIT is a programming error.
    /// </summary>
    public static IForgeInvocationFeature GetForgeInvocation(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Features.Get<IForgeInvocationFeature>()
            ?? throw new InvalidOperationException("The request has no verified Forge invocation; is the endpoint missing RequireAuthorization?");
    }
}
