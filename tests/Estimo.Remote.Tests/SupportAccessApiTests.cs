using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Estimo.Core.Installations;
using Estimo.Remote.Tests.Support;
using Estimo.Storage.Access;
using Estimo.Storage.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Estimo.Remote.Tests;

/// <summary>
/// <c>GET /api/admin/support-access</c> through real HTTPS: a site admin (asked of Jira, as
/// the user) sees their own installation's support accesses, never another's; others get 403.
/// </summary>
public sealed class SupportAccessApiTests : RemoteTestBase
{
    private const string Admin = "5b10ac8d82e05b22cc7d4ef5";
    private const string AdminToken = "user-token-admin";
    private const string UserToken = "user-token-user";
    private const string OtherInstallation = "ari:cloud:ecosystem::installation/0a0a0a0a-0000-4000-8000-000000000000";

    private JiraStub _jira = null!;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _jira = await JiraStub.StartAsync();
        _jira.Users[AdminToken] = (false, []);
        _jira.Users[UserToken] = (true, []);
        _jira.Admins.Add(AdminToken);
    }

    public override async ValueTask DisposeAsync()
    {
        await _jira.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task ASiteAdmin_SeesTheirInstallationsSupportAccesses_AndNoOtherInstallations()
    {
        var mine = await ReadUnderAGrantAsync(FitMinter.InstallationId, "Customer reports a stuck session", "SUP-100");
        await ReadUnderAGrantAsync(OtherInstallation, "Another customer's problem here", "SUP-999");

        using var response = await Client.SendAsync(Request(AdminToken), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        var entries = body["entries"]!.AsArray();
        var read = Assert.Single(entries, e => e!["action"]!.GetValue<string>() == "support.sessions.read")!;
        Assert.Equal(mine, read["operatorId"]!.GetValue<string>());
        Assert.Equal("Customer reports a stuck session", read["reason"]!.GetValue<string>());
        Assert.Equal("SUP-100", read["ticket"]!.GetValue<string>());
        Assert.Contains("listed 0 session(s)", read["what"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(entries, e => e!["action"]!.GetValue<string>() == "grants.requested");
        var text = body.ToJsonString();
        Assert.DoesNotContain("SUP-999", text, StringComparison.Ordinal);
        Assert.DoesNotContain(OtherInstallation, text, StringComparison.Ordinal);
        Assert.DoesNotContain("op-tester", text, StringComparison.Ordinal); // OS users never leave the operator side
        var chain = await Host.Services.GetRequiredService<AuditChain>().VerifyAsync([], Ct);
        Assert.True(chain.Valid, chain.Problem); // records written through the remote's storage are chained too
    }

    [Fact]
    public async Task AUserWhoIsNotASiteAdmin_Is403()
    {
        using var response = await Client.SendAsync(Request(UserToken), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("not_site_admin", JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task WithoutTheUsersToken_Is400()
    {
        using var response = await Client.SendAsync(Request(userToken: null), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    /// <summary>What the CLI does for 'grants request' + 'support sessions'; returns the operator id.</summary>
    private async Task<string> ReadUnderAGrantAsync(string installation, string reason, string ticket)
    {
        var services = Host.Services;
        await services.GetRequiredService<IInstallationStore>().RecordInstalledAsync(
            new InstallationRegistration(installation, Guid.NewGuid().ToString(), new Uri("https://acme.atlassian.net"), _jira.ApiBaseUrl, "1.0.0", "PRODUCTION", DateTimeOffset.UtcNow), Ct);
        var registry = services.GetRequiredService<OperatorRegistry>();
        var osUser = "op-tester-" + Guid.NewGuid().ToString("N")[..6];
        var op = await registry.AddAsync("root", osUser, "Tester", OperatorRole.SupportEngineer, bootstrap: await registry.IsEmptyAsync(Ct), Ct);
        using (AuditContext.Use(new AuditActor(op.Id, null)))
        {
            var grants = services.GetRequiredService<SupportGrants>();
            var grant = await grants.RequestAsync(osUser, op, installation, reason, ticket, GrantScope.Read, null, Ct);
            var valid = await grants.ValidateAsync(osUser, op, grant.Id, installation, GrantScope.Read, Ct);
            await services.GetRequiredService<SupportDataReader>().ListSessionsAsync(osUser, valid, Ct);
        }

        return op.Id;
    }

    private HttpRequestMessage Request(string? userToken)
    {
        var claims = FitMinter.Claims(DateTimeOffset.UtcNow, accountId: Admin);
        claims["app"]!["apiBaseUrl"] = _jira.ApiBaseUrl.ToString();
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/support-access");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Minter.Mint(claims));
        if (userToken is not null)
        {
            request.Headers.Add("x-forge-oauth-user", userToken);
        }

        return request;
    }
}
