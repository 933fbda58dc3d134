using System.Security.Claims;
using System.Text.Encodings.Web;
using Estimo.Forge.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Estimo.Remote.Authentication;

/// <summary>
/// Authenticates requests by their Forge Invocation Token (FIT).
/// </summary>
/// <remarks>
/// A missing Authorization header is "no result" (the challenge then answers 401); a bearer
/// token that fails any rule of <see cref="IForgeInvocationTokenValidator"/> is a failure that
/// the challenge reports as <c>invalid_token</c> with a problem-details body naming the rule in
/// general terms. The token never reaches a log or a response.
/// </remarks>
public sealed class ForgeInvocationTokenHandler : AuthenticationHandler<AuthenticationSchemeOptions>
{
    private const string BearerPrefix = "Bearer ";

    private readonly IForgeInvocationTokenValidator _validator;
    private readonly IProblemDetailsService _problemDetails;
    private readonly ILogger _log;

    public ForgeInvocationTokenHandler(
        IOptionsMonitor<AuthenticationSchemeOptions> options,
        ILoggerFactory logger,
        UrlEncoder encoder,
        IForgeInvocationTokenValidator validator,
        IProblemDetailsService problemDetails)
        : base(options, logger, encoder)
    {
        _validator = validator;
        _problemDetails = problemDetails;
        _log = logger.CreateLogger<ForgeInvocationTokenHandler>();
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? authorization = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(authorization))
        {
            return AuthenticateResult.NoResult();
        }

        if (!authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            _log.NotBearer();
            return Reject(FitValidationResult.Fail(FitFailure.Malformed));
        }

        var token = authorization.AsSpan(BearerPrefix.Length).Trim().ToString();
        if (token.Length == 0)
        {
            return Reject(FitValidationResult.Fail(FitFailure.Malformed));
        }

        var result = await _validator.ValidateAsync(token, Context.RequestAborted);
        if (!result.Succeeded)
        {
            return Reject(result);
        }

        var invocation = result.Context!;
        Context.Features.Set<IForgeInvocationFeature>(new ForgeInvocationFeature(
            invocation,
            ReadToken(ForgeInvocationTokenDefaults.UserTokenHeader),
            ReadToken(ForgeInvocationTokenDefaults.SystemTokenHeader)));
        _log.TokenAccepted(invocation.InstallationId);

        var claims = new List<Claim>(3)
        {
            new(ForgeInvocationTokenDefaults.Claims.InstallationId, invocation.InstallationId),
        };
        if (invocation.PrincipalAccountId is { Length: > 0 } accountId)
        {
            claims.Add(new(ForgeInvocationTokenDefaults.Claims.AccountId, accountId));
        }

        if (invocation.CloudId is { Length: > 0 } cloudId)
        {
            claims.Add(new(ForgeInvocationTokenDefaults.Claims.CloudId, cloudId));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var authResult = await HandleAuthenticateOnceSafeAsync();
        var rejection = authResult.Failure as FitRejectedException;

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.Append(
            HeaderNames.WWWAuthenticate,
            rejection is null ? "Bearer" : "Bearer error=\"invalid_token\"");

        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = StatusCodes.Status401Unauthorized,
            Title = "Unauthorized",
            Type = "https://tools.ietf.org/html/rfc9110#section-15.5.2",
            Detail = rejection?.Message ?? "A Forge invocation token is required.",
        };
        if (rejection is not null)
        {
            problem.Extensions["rule"] = rejection.Failure.ToString();
        }

        await _problemDetails.WriteAsync(new ProblemDetailsContext { HttpContext = Context, ProblemDetails = problem });
    }

    private AuthenticateResult Reject(FitValidationResult result)
    {
        _log.TokenRejected(result.Failure);
        RemoteMetrics.FitRejected(result.Failure);
        return AuthenticateResult.Fail(new FitRejectedException(result.Failure, result.Describe()));
    }

    private ForgeOAuthToken? ReadToken(string header)
    {
        string? value = Request.Headers[header];
        return string.IsNullOrWhiteSpace(value) ? null : new ForgeOAuthToken(value.Trim());
    }
}
