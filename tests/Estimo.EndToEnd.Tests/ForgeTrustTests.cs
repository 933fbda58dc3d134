using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Estimo.EndToEnd.Tests;

/// <summary>
/// The simulator and the remote share no token code: a FIT the simulator signs must pass the
/// remote's validator through the published JWKS, and any change to it must not.
/// </summary>
public sealed class ForgeTrustTests(EndToEndFixture fixture) : IClassFixture<EndToEndFixture>
{
    [Fact]
    public async Task AFitFromTheSimulator_IsAcceptedByTheRemote_AndATamperedOne_IsRejected()
    {
        var stack = fixture.Stack;
        var ct = TestContext.Current.CancellationToken;
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var remote = new HttpClient(handler) { BaseAddress = new Uri(stack.RemoteUrl) };

        var genuine = await MintAsync(stack, ct);
        using var accepted = await GetMeAsync(remote, genuine, ct);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var me = await accepted.Content.ReadFromJsonAsync<JsonNode>(ct);
        Assert.Equal(Users.Alice, me!["accountId"]!.GetValue<string>());

        // Change the payload (who the caller is), keep the signature: it must fail verification.
        var parts = (await MintAsync(stack, ct)).Split('.');
        var payload = JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1]))!;
        payload["principal"] = Users.Bob;
        var tampered = $"{parts[0]}.{System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(payload.ToJsonString()))}.{parts[2]}";
        using var rejected = await GetMeAsync(remote, tampered, ct);
        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
        Assert.Contains("Signature", await rejected.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

        // The same genuine token a second time is a replay.
        using var replayed = await GetMeAsync(remote, genuine, ct);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
    }

    private static async Task<string> MintAsync(EstimoProcesses stack, CancellationToken ct)
    {
        using var response = await stack.Sim.PostAsJsonAsync(
            new Uri("/__sim/fit", UriKind.Relative),
            new { accountId = Users.Alice, moduleKey = "estimo-project-page", projectKey = "EST" },
            ct);
        var body = await response.Content.ReadFromJsonAsync<JsonNode>(ct);
        Assert.True(response.IsSuccessStatusCode, $"POST /__sim/fit answered {(int)response.StatusCode}: {body}");
        return body!["token"]!.GetValue<string>();
    }

    private static async Task<HttpResponseMessage> GetMeAsync(HttpClient remote, string token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await remote.SendAsync(request, ct);
    }
}
