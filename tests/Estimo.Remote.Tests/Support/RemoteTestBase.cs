namespace Estimo.Remote.Tests.Support;

/// <summary>
/// A real remote on real HTTPS for one test: a token minter with its own key, a loopback
/// JWKS server publishing that key, the remote host, and a client that trusts its certificate.
/// </summary>
public abstract class RemoteTestBase : IAsyncLifetime
{
    protected FitMinter Minter { get; } = new();

    protected JwksServer Jwks { get; private set; } = null!;

    protected RemoteHost Host { get; private set; } = null!;

    protected HttpClient Client { get; private set; } = null!;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Settings this test class needs beyond the host's defaults.</summary>
    protected virtual IDictionary<string, string?>? Settings => null;

    public virtual async ValueTask InitializeAsync()
    {
        Jwks = await JwksServer.StartAsync(Minter.JwksJson());
        Host = await RemoteHost.StartAsync(Jwks.JwksUrl, Settings);
        Client = Host.CreateClient();
    }

    public virtual async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        await Jwks.DisposeAsync();
        Minter.Dispose();
        GC.SuppressFinalize(this);
    }
}
