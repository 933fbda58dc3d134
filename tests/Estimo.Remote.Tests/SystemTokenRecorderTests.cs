using Estimo.Remote.Installations;
using Estimo.Remote.Tests.Support;

namespace Estimo.Remote.Tests;

public sealed class SystemTokenRecorderTests
{
    [Fact]
    public void ReadExpiry_OfAJwtShapedToken_IsItsExp()
    {
        var expires = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(2).ToUnixTimeSeconds());

        Assert.Equal(expires, SystemTokenRecorder.ReadExpiry(FitMinter.FakeOAuthToken(expires, "app")));
    }

    [Theory]
    [InlineData("opaque-random-token")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJub25lIn0.bm90LWpzb24.sig")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.sig")]
    public void ReadExpiry_OfATokenWithoutAReadableExp_IsNull(string token)
    {
        Assert.Null(SystemTokenRecorder.ReadExpiry(token));
    }
}
