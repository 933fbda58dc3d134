namespace Estimo.Remote.Monitoring;

/// <summary>Counts calls to Jira as the user by status code (0: no answer), and the 429s among them.</summary>
internal sealed class JiraMetricsHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            RemoteMetrics.JiraCalled((int)response.StatusCode);
            return response;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            RemoteMetrics.JiraCalled(0);
            throw;
        }
    }
}
