namespace Estimo.Forge.Authentication;

/// <summary>
/// Validates Forge Invocation Tokens (FITs). See <see cref="FitFailure"/> for the rules, in the
/// order they are checked. Implementations never throw for bad tokens and never include the
/// token in a result or a log.
/// </summary>
public interface IForgeInvocationTokenValidator
{
    /// <summary>Validates a compact JWS (the text after <c>Bearer </c>).</summary>
    ValueTask<FitValidationResult> ValidateAsync(string token, CancellationToken cancellationToken);
}

/// <summary>Which rule a FIT failed. The names are stable: they become metric labels.</summary>
public enum FitFailure
{
    None = 0,

    /// <summary>Not a compact JWS with a JSON header and payload.</summary>
    Malformed,

    /// <summary><c>alg</c> is not exactly RS256.</summary>
    Algorithm,

    /// <summary>The header names its own key (<c>jku</c>, <c>x5u</c>, <c>jwk</c>, <c>x5c</c>).</summary>
    EmbeddedKey,

    /// <summary>No <c>kid</c> in the header.</summary>
    MissingKeyId,

    /// <summary>The <c>kid</c> is not in the JWKS, even after a permitted refresh.</summary>
    UnknownKeyId,

    /// <summary>The JWKS could not be fetched and no cached copy holds the key.</summary>
    KeysUnavailable,

    /// <summary>The signature does not verify.</summary>
    Signature,

    /// <summary><c>iss</c> is not <c>forge/invocation-token</c>.</summary>
    Issuer,

    /// <summary><c>aud</c> is not our app id.</summary>
    Audience,

    /// <summary><c>exp</c> is missing or in the past (beyond the skew).</summary>
    Expired,

    /// <summary><c>nbf</c> is missing or in the future (beyond the skew).</summary>
    NotYetValid,

    /// <summary>No <c>app.installationId</c>, or required claims are malformed.</summary>
    MissingClaims,

    /// <summary>No <c>jti</c>, or a <c>jti</c> already seen within its lifetime.</summary>
    Replayed,
}

/// <summary>The outcome of validating one FIT.</summary>
public sealed class FitValidationResult
{
    private FitValidationResult(FitFailure failure, ForgeInvocationContext? context)
    {
        Failure = failure;
        Context = context;
    }

    public bool Succeeded => Failure == FitFailure.None;

    public FitFailure Failure { get; }

    /// <summary>The verified context; set only when <see cref="Succeeded"/>.</summary>
    public ForgeInvocationContext? Context { get; }

    public static FitValidationResult Success(ForgeInvocationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new(FitFailure.None, context);
    }

    public static FitValidationResult Fail(FitFailure failure)
    {
        if (failure == FitFailure.None)
        {
            throw new ArgumentOutOfRangeException(nameof(failure), "A failure must name a rule.");
        }

        return new(failure, null);
    }

    /// <summary>A general, token-free description of the rule that failed, safe for clients.</summary>
    public string Describe() => Failure switch
    {
        FitFailure.None => "The token is valid.",
        FitFailure.Malformed => "The token is not a well-formed JWS.",
        FitFailure.Algorithm => "The token's signing algorithm is not accepted.",
        FitFailure.EmbeddedKey => "The token may not name or embed its own key.",
        FitFailure.MissingKeyId => "The token does not name its signing key.",
        FitFailure.UnknownKeyId => "The token's signing key is not known.",
        FitFailure.KeysUnavailable => "The signing keys could not be loaded.",
        FitFailure.Signature => "The token's signature is not valid.",
        FitFailure.Issuer => "The token's issuer is not accepted.",
        FitFailure.Audience => "The token was not issued for this app.",
        FitFailure.Expired => "The token has expired.",
        FitFailure.NotYetValid => "The token is not valid yet.",
        FitFailure.MissingClaims => "The token lacks required claims.",
        FitFailure.Replayed => "The token has already been used.",
        _ => "The token is not valid.",
    };
}
