using BenchmarkDotNet.Attributes;
using Estimo.Bench.Tokens;
using Estimo.Core.Poker;

namespace Estimo.Benchmarks.Remote;

/// <summary>
/// The two pure computations behind every answer to a long poll: the statistics of a revealed
/// round, and the view projected for one participant (a change to a session of N participants
/// costs N projections).
/// </summary>
[MemoryDiagnoser]
public class CoreBenchmarks
{
    private static readonly string[] Labels = ["1", "2", "3", "5", "5", "8", "13", "5", "3", "?"];
    private string[] _votes10 = [];
    private string[] _votes50 = [];
    private PokerSession _hidden = null!;
    private PokerSession _revealed = null!;
    private DateTimeOffset _now;

    [GlobalSetup]
    public void Setup()
    {
        _votes10 = [.. Enumerable.Range(0, 10).Select(i => Labels[i % Labels.Length])];
        _votes50 = [.. Enumerable.Range(0, 50).Select(i => Labels[i % Labels.Length])];
        _now = DateTimeOffset.UtcNow;
        _hidden = Session(50, reveal: false);
        _revealed = Session(50, reveal: true);
    }

    [Benchmark(Description = "VoteStatistics.Compute, 10 votes")]
    public VoteStatistics Statistics10() => VoteStatistics.Compute(BuiltInDecks.Fibonacci, _votes10);

    [Benchmark(Description = "VoteStatistics.Compute, 50 votes")]
    public VoteStatistics Statistics50() => VoteStatistics.Compute(BuiltInDecks.Fibonacci, _votes50);

    [Benchmark(Description = "View for one viewer, 50 participants, 10 issues, votes hidden")]
    public SessionView ViewHidden() => _hidden.ForViewer(FitSigner.Account(7), _now);

    [Benchmark(Description = "View for one viewer, 50 participants, 10 issues, revealed (with statistics)")]
    public SessionView ViewRevealed() => _revealed.ForViewer(FitSigner.Account(7), _now);

    private PokerSession Session(int participants, bool reveal)
    {
        var session = PokerSession.Create(
            new NewPokerSession
            {
                SessionId = Guid.NewGuid().ToString(),
                InstallationId = FitSigner.InstallationId,
                FacilitatorAccountId = FitSigner.Account(0),
                Deck = BuiltInDecks.Fibonacci,
                Issues = [.. Enumerable.Range(1, 10).Select(i => new PokerIssue($"{10000 + i}", $"EST-{i}"))],
            },
            _now).Value!;
        for (var p = 1; p < participants; p++)
        {
            Check(session.Join(FitSigner.Account(p), ParticipantRole.Voter, _now));
        }

        // Everyone votes to reveal (auto-reveal may do it); one voter holds back to keep votes hidden.
        var voters = reveal ? participants : participants - 1;
        for (var p = 0; p < voters; p++)
        {
            Check(session.CastVote(FitSigner.Account(p), "10001", Labels[p % Labels.Length], _now));
        }

        if (reveal && !session.CurrentIssue.CurrentRound.IsRevealed)
        {
            Check(session.Reveal(FitSigner.Account(0), _now));
        }

        return session;
    }

    private static void Check(PokerResult result)
    {
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException(result.Error!.ToString());
        }
    }
}
