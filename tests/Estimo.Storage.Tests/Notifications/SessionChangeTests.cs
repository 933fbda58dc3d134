using Estimo.Storage.Notifications;

namespace Estimo.Storage.Tests.Notifications;

public sealed class SessionChangeTests
{
    private const string Installation = "ari:cloud:ecosystem::installation/3b0f9d54-6a1e-4c2b-8f7d-9e0a1b2c3d4e";

    [Fact]
    public void Payload_RoundTrips_WithTheSlashesOfAnInstallationAri()
    {
        var change = new SessionChange(Installation, "0b4c9a0e-1d2f-4a3b-8c7d-6e5f4a3b2c1d", 42);

        Assert.True(SessionChange.TryParse(change.ToPayload(), out var parsed));

        Assert.Equal(change, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-slashes")]
    [InlineData("installation/session/")]
    [InlineData("installation/session/-1")]
    [InlineData("installation/session/x")]
    [InlineData("installation//7")]
    [InlineData("/session/7")]
    public void TryParse_Malformed_IsFalse(string payload) => Assert.False(SessionChange.TryParse(payload, out _));
}
