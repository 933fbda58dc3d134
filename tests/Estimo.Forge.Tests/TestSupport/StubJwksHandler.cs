using System.Net;
using System.Text;

namespace Estimo.Forge.Tests.TestSupport;

/// <summary>
/// An in-memory JWKS endpoint for the validator's unit tests (the JWKS cache tests use real
/// Kestrel). Counts requests; can fail like a network or a server would.
/// </summary>
internal sealed class StubJwksHandler : HttpMessageHandler, IHttpClientFactory
{
    private int _requests;

    public StubJwksHandler(string jwks) => Jwks = jwks;

    public string Jwks { get; set; }

    public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

    public bool Unreachable { get; set; }

    public int Requests => Volatile.Read(ref _requests);

    public HttpClient CreateClient(string name) => new(this, disposeHandler: false);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        if (Unreachable)
        {
            throw new HttpRequestException("Connection refused (stub).");
        }

        return Task.FromResult(new HttpResponseMessage(Status)
        {
            Content = new StringContent(Jwks, Encoding.UTF8, "application/json"),
        });
    }
}
