using Estimo.Core.Poker;

namespace Estimo.Core.Tests.Poker;

public class VoteStatisticsTests
{
    private static readonly Deck Fib = BuiltInDecks.Fibonacci;
    private static readonly Deck Modified = BuiltInDecks.ModifiedFibonacci;

    [Fact]
    public void Compute_NoVotes_IsEmpty()
    {
        var stats = VoteStatistics.Compute(Fib, []);

        Assert.Equal(0, stats.Count);
        Assert.Equal(0, stats.NumericCount);
        Assert.Null(stats.Average);
        Assert.Null(stats.Median);
        Assert.Null(stats.Suggested);
        Assert.False(stats.Consensus);
        Assert.False(stats.NearConsensus);
        Assert.Empty(stats.Distribution);
        Assert.Empty(stats.Modes);
    }

    [Fact]
    public void Compute_AllUnsure_CountsButHasNoNumbers()
    {
        var stats = VoteStatistics.Compute(Fib, ["?", "?", "\u2615"]);

        Assert.Equal(3, stats.Count);
        Assert.Equal(0, stats.NumericCount);
        Assert.Equal(2, stats.UnsureCount);
        Assert.Equal(1, stats.BreakCount);
        Assert.Null(stats.Average);
        Assert.Null(stats.Median);
        Assert.Null(stats.SpreadInSteps);
        Assert.Null(stats.Suggested);
        Assert.False(stats.Consensus);
        Assert.Empty(stats.Modes);
        Assert.Equal([new CardCount("?", 2), new CardCount("\u2615", 1)], stats.Distribution);
    }

    [Fact]
    public void Compute_SingleVote_IsAConsensusOfOne()
    {
        var stats = VoteStatistics.Compute(Fib, ["8"]);

        Assert.Equal(1, stats.Count);
        Assert.Equal(8m, stats.Average);
        Assert.Equal(8m, stats.Median);
        Assert.Equal(0m, stats.Spread);
        Assert.Equal(0, stats.SpreadInSteps);
        Assert.Equal(0d, stats.StandardDeviation);
        Assert.True(stats.Consensus);
        Assert.True(stats.NearConsensus);
        Assert.Equal("8", stats.Suggested!.Label);
        Assert.Equal(["8"], stats.Modes);
        Assert.Empty(stats.OutlierLabels);
    }

    [Fact]
    public void Compute_SpecialCards_NeverCountInNumbers()
    {
        var stats = VoteStatistics.Compute(Fib, ["5", "?", "5", "\u2615"]);

        Assert.Equal(4, stats.Count);
        Assert.Equal(2, stats.NumericCount);
        Assert.Equal(5m, stats.Average);
        Assert.True(stats.Consensus);
        Assert.Equal(["5"], stats.Modes);
    }

    [Fact]
    public void Compute_MixedVotes_ComputesEveryFigure()
    {
        // 2, 3, 5, 8: mean 4.5, median (3+5)/2 = 4, population sd = sqrt(5.25) = 2.29.
        var stats = VoteStatistics.Compute(Fib, ["8", "2", "5", "3"]);

        Assert.Equal(4.5m, stats.Average);
        Assert.Equal(4m, stats.Median);
        Assert.Equal(2m, stats.Min);
        Assert.Equal(8m, stats.Max);
        Assert.Equal("2", stats.MinLabel);
        Assert.Equal("8", stats.MaxLabel);
        Assert.Equal(6m, stats.Spread);
        Assert.Equal(3, stats.SpreadInSteps);
        Assert.Equal(2.29, stats.StandardDeviation);
        Assert.False(stats.Consensus);
        Assert.False(stats.NearConsensus);
        Assert.Equal(["2", "3", "5", "8"], stats.Modes);
    }

    [Fact]
    public void Compute_Distribution_IsInDeckOrderNotVoteOrder()
    {
        var stats = VoteStatistics.Compute(Fib, ["\u2615", "13", "?", "1", "13"]);

        Assert.Equal(
            [new CardCount("1", 1), new CardCount("13", 2), new CardCount("?", 1), new CardCount("\u2615", 1)],
            stats.Distribution);
    }

    [Fact]
    public void Compute_TiedModes_ReportsEveryMode()
    {
        var stats = VoteStatistics.Compute(Fib, ["3", "5", "5", "3", "8"]);
        Assert.Equal(["3", "5"], stats.Modes);
    }

    [Fact]
    public void Compute_AdjacentCards_IsNearConsensusNotConsensus()
    {
        var stats = VoteStatistics.Compute(Fib, ["5", "8", "5"]);

        Assert.False(stats.Consensus);
        Assert.True(stats.NearConsensus);
        Assert.Equal(1, stats.SpreadInSteps);
    }

    [Fact]
    public void Compute_TwoStepsApart_IsNotNearConsensus()
    {
        var stats = VoteStatistics.Compute(Fib, ["3", "8"]);
        Assert.False(stats.NearConsensus);
        Assert.Equal(2, stats.SpreadInSteps);
    }

    [Fact]
    public void Compute_Half_AveragesExactly()
    {
        // ½, ½, 1: mean 0.6666… → 0.67, median 0.5.
        var stats = VoteStatistics.Compute(Modified, ["\u00BD", "\u00BD", "1"]);

        Assert.Equal(0.67m, stats.Average);
        Assert.Equal(0.5m, stats.Median);
        Assert.Equal(0.5m, stats.Spread);
        Assert.Equal(1, stats.SpreadInSteps);
        Assert.Equal("\u00BD", stats.Suggested!.Label);
        Assert.Equal("\u00BD", stats.MinLabel);
    }

    [Theory]
    [InlineData(new[] { "3", "5" }, "5")]              // median 4: 3 and 5 tie → higher
    [InlineData(new[] { "5", "8" }, "8")]              // median 6.5: tie → higher
    [InlineData(new[] { "8", "13" }, "13")]            // median 10.5: tie → higher
    [InlineData(new[] { "2", "3", "13" }, "3")]        // odd count: the median card itself
    [InlineData(new[] { "21", "34" }, "34")]           // median 27.5: tie → higher
    [InlineData(new[] { "13", "21", "21", "89" }, "21")]
    [InlineData(new[] { "1", "5" }, "3")]              // median 3 is a card
    [InlineData(new[] { "1", "13" }, "8")]             // median 7: 8 is nearer than 5
    [InlineData(new[] { "?", "0", "1" }, "1")]         // median 0.5: tie 0/1 → higher
    public void Compute_Suggestion_IsNearestCardToMedianHigherOnTie(string[] votes, string expected) =>
        Assert.Equal(expected, VoteStatistics.Compute(Fib, votes).Suggested!.Label);

    [Fact]
    public void Compute_ModifiedFibonacci_HalfAndOneTie_RoundsUpToOne()
    {
        // median 0.75 is 0.25 from both ½ and 1.
        Assert.Equal("1", VoteStatistics.Compute(Modified, ["\u00BD", "1"]).Suggested!.Label);
    }

    [Fact]
    public void Compute_ModifiedFibonacci_MedianBetweenTwentyAndForty_RoundsToNearest()
    {
        // median (20+40)/2 = 30: tie → 40; (13+20)/2 = 16.5: 13 is 3.5 away, 20 is 3.5 away → 20.
        Assert.Equal("40", VoteStatistics.Compute(Modified, ["20", "40"]).Suggested!.Label);
        Assert.Equal("20", VoteStatistics.Compute(Modified, ["13", "20"]).Suggested!.Label);
        Assert.Equal("13", VoteStatistics.Compute(Modified, ["8", "20"]).Suggested!.Label); // 14 → 13
    }

    [Fact]
    public void NearestCard_OutsideDeckRange_ClampsToEnds()
    {
        Assert.Equal("89", VoteStatistics.NearestCard(Fib, 1000m)!.Label);
        Assert.Equal("0", VoteStatistics.NearestCard(Fib, -3m)!.Label);
    }

    [Fact]
    public void Compute_OneFarVoteAmongAgreement_IsAnOutlier()
    {
        // positions: 1→1, 5→4, 5→4, 5→4, 34→8; median position 4; 1 is 3 steps away, 34 is 4.
        var stats = VoteStatistics.Compute(Fib, ["5", "1", "5", "34", "5"]);
        Assert.Equal(["1", "34"], stats.OutlierLabels);
    }

    [Fact]
    public void Compute_TwoStepsFromMedian_IsNotAnOutlier()
    {
        // 2 (position 2) vs median 5 (position 4): exactly the threshold.
        var stats = VoteStatistics.Compute(Fib, ["2", "5", "5"]);
        Assert.Empty(stats.OutlierLabels);
    }

    [Fact]
    public void Compute_ThreeStepsFromMedian_IsAnOutlier()
    {
        var stats = VoteStatistics.Compute(Fib, ["1", "5", "5"]);
        Assert.Equal(["1"], stats.OutlierLabels);
    }

    [Fact]
    public void Compute_TwoVoters_NeverHaveOutliers()
    {
        var stats = VoteStatistics.Compute(Fib, ["0", "89"]);
        Assert.Empty(stats.OutlierLabels);
    }

    [Fact]
    public void Compute_UnsureVotes_AreNeverOutliers()
    {
        var stats = VoteStatistics.Compute(Fib, ["?", "5", "5", "5", "\u2615"]);
        Assert.Empty(stats.OutlierLabels);
    }

    [Fact]
    public void Compute_TShirtMapping_SuggestsASize()
    {
        // XS=1, M=3, XL=8 → median 3 → M; steps XS..XL = 4.
        var stats = VoteStatistics.Compute(BuiltInDecks.TShirt, ["XL", "XS", "M", "?"]);

        Assert.Equal(3, stats.NumericCount);
        Assert.Equal("M", stats.Suggested!.Label);
        Assert.Equal(3m, stats.Suggested.Value);
        Assert.Equal("XS", stats.MinLabel);
        Assert.Equal("XL", stats.MaxLabel);
        Assert.Equal(4, stats.SpreadInSteps);
    }

    [Fact]
    public void Compute_TShirtTie_RoundsUpToTheLargerSize()
    {
        // S=2, L=5 → median 3.5: M (3) is 0.5 away, L (5) is 1.5 → M.
        Assert.Equal("M", VoteStatistics.Compute(BuiltInDecks.TShirt, ["S", "L"]).Suggested!.Label);

        // M=3, L=5 → median 4: tie → L.
        Assert.Equal("L", VoteStatistics.Compute(BuiltInDecks.TShirt, ["M", "L"]).Suggested!.Label);
    }

    [Fact]
    public void Compute_DeckWithoutValues_HasNoNumbers()
    {
        var deck = Deck.Create("words", "Words", [new("easy", null), new("hard", null)]).Deck!;
        var stats = VoteStatistics.Compute(deck, ["easy", "hard", "easy"]);

        Assert.Equal(3, stats.Count);
        Assert.Equal(0, stats.NumericCount);
        Assert.Null(stats.Suggested);
        Assert.Equal([new CardCount("easy", 2), new CardCount("hard", 1)], stats.Distribution);
    }

    [Fact]
    public void Compute_AverageRoundsHalfAwayFromZero()
    {
        // 0, 0, 0, 0, 0, 0, 0, 1 → 0.125 → 0.13
        var stats = VoteStatistics.Compute(Fib, ["0", "0", "0", "0", "0", "0", "0", "1"]);
        Assert.Equal(0.13m, stats.Average);
    }

    [Fact]
    public void Compute_LabelNotInDeck_Throws() =>
        Assert.Throws<ArgumentException>(() => VoteStatistics.Compute(Fib, ["4"]));
}
