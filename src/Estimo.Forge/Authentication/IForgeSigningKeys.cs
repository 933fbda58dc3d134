namespace Estimo.Forge.Authentication;

/// <summary>The JWKS cache, exposed so readiness can report whether keys are loaded.</summary>
public interface IForgeSigningKeys
{
    /// <summary>True once a JWKS has been loaded successfully at least once.</summary>
    bool IsLoaded { get; }

    /// <summary>Loads the JWKS now if it has never been loaded (readiness probe). Never throws.</summary>
    Task<bool> EnsureLoadedAsync(CancellationToken cancellationToken);
}
