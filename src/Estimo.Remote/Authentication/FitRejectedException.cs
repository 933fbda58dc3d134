using Estimo.Forge.Authentication;

namespace Estimo.Remote.Authentication;

/// <summary>
/// Carries a FIT rejection from authentication to the challenge. Its message names the rule
/// in general terms and never includes the token.
/// </summary>
public sealed class FitRejectedException : Exception
{
    public FitRejectedException(FitFailure failure, string description)
        : base(description)
    {
        Failure = failure;
    }

    public FitRejectedException()
        : this(FitFailure.Malformed, "The token is not valid.")
    {
    }

    public FitRejectedException(string message)
        : this(FitFailure.Malformed, message)
    {
    }

    public FitRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Failure = FitFailure.Malformed;
    }

    public FitFailure Failure { get; }
}
