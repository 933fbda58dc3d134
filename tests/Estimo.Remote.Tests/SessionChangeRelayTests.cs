using Estimo.Core.Poker;
using Estimo.Remote.Sessions;
using Estimo.Storage.Notifications;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Estimo.Remote.Tests;

/// <summary>How another instance's announced change meets this instance's cached copy.</summary>
public sealed class SessionChangeRelayTests
{
    private const string Installation = "ari:cloud:ecosystem::installation/3b0f9d54-6a1e-4c2b-8f7d-9e0a1b2c3d4e";

    private readonly SessionHub _hub = new(Options.Create(new SessionOptions()));
    private readonly SessionChangeRelay _relay;

    public SessionChangeRelayTests() => _relay = new SessionChangeRelay(new NoChannel(), _hub, NullLogger<SessionChangeRelay>.Instance);

    [Fact]
    public async Task NewerVersion_DropsTheCachedCopy_AndWakesTheWaiters()
    {
        var (slot, version) = Cached("s-1");
        var signal = slot.NextChange;

        _relay.OnChange(new SessionChange(Installation, "s-1", version + 1));
        await signal.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Null(slot.Session);
    }

    [Fact]
    public async Task SameVersion_TheInstancesOwnWrite_KeepsTheCopy()
    {
        var (slot, version) = Cached("s-2");
        var signal = slot.NextChange;

        _relay.OnChange(new SessionChange(Installation, "s-2", version));
        await WaitUntilUnlockedAsync(slot);

        Assert.NotNull(slot.Session);
        Assert.False(signal.IsCompleted);
    }

    [Fact]
    public async Task Everything_DropsEveryCachedCopy()
    {
        var (first, _) = Cached("s-3");
        var (second, _) = Cached("s-4");
        var signals = new[] { first.NextChange, second.NextChange };

        _relay.OnChange(SessionChange.Everything);
        await Task.WhenAll(signals).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Null(first.Session);
        Assert.Null(second.Session);
    }

    [Fact]
    public void ASessionNotHeldHere_IsIgnored()
    {
        _relay.OnChange(new SessionChange(Installation, "never-seen", 3));

        Assert.Equal(0, _hub.Count);
    }

    private (SessionHub.Slot Slot, long Version) Cached(string sessionId)
    {
        var now = DateTimeOffset.UtcNow;
        var session = PokerSession.Create(
            new NewPokerSession
            {
                SessionId = sessionId,
                InstallationId = Installation,
                FacilitatorAccountId = "5b10ac8d82e05b22cc7d4ef5",
                Deck = BuiltInDecks.Fibonacci,
                Issues = [new PokerIssue("10001", "EST-1")],
            },
            now).Value!;
        var slot = _hub.For(Installation, sessionId);
        slot.Session = new StoredPokerSession(new SessionScope("EST", 1, "customfield_10016", SessionSourceKind.Backlog, null), session);
        return (slot, session.Version);
    }

    private static async Task WaitUntilUnlockedAsync(SessionHub.Slot slot)
    {
        await slot.Lock.WaitAsync(TestContext.Current.CancellationToken);
        slot.Lock.Release();
    }

    private sealed class NoChannel : ISessionChangeChannel
    {
        public Task AnnounceAsync(SessionChange change, CancellationToken cancellationToken) => Task.CompletedTask;

        public void Subscribe(Action<SessionChange> handler)
        {
        }
    }
}
