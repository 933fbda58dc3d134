using Estimo.Forge;
using Microsoft.AspNetCore.Authentication;

namespace Estimo.Remote.Authentication;

public static class ForgeInvocationTokenExtensions
{
    /// <summary>
    /// Registers FIT validation and makes the FIT scheme the default, with a fallback policy
    /// that requires it on every endpoint not explicitly marked anonymous (health checks).
    /// </summary>
    public static IServiceCollection AddForgeInvocationTokenAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddForgeInvocationTokens(configuration);
        services.AddAuthentication(ForgeInvocationTokenDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ForgeInvocationTokenHandler>(ForgeInvocationTokenDefaults.AuthenticationScheme, null);
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder(ForgeInvocationTokenDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireClaim(ForgeInvocationTokenDefaults.Claims.InstallationId)
                .Build());
        return services;
    }
}
