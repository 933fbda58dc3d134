namespace Estimo.Core.Poker;

/// <summary>How many votes one card received.</summary>
/// <param name="Label">The card label.</param>
/// <param name="Count">How many voters chose it (at least 1 in a distribution).</param>
public sealed record CardCount(string Label, int Count);

/// <summary>
/// Statistics over the revealed votes of one round. Every numeric figure is computed only over
/// numeric cards; <c>?</c>, <c>☕</c> and unmapped labels are counted but never averaged.
/// Definitions are in <c>docs/poker-rules.md</c>; they are repeated on each property.
/// </summary>
public sealed record VoteStatistics
{
    /// <summary>
    /// A vote is an outlier when its position among the deck's numeric cards is more than this
    /// many steps from the median position. Steps rather than values because decks are roughly
    /// geometric: 1 vs 3 and 13 vs 40 are the same disagreement. One step apart is normal
    /// discussion ("near consensus"), and with two steps of slack a 3 among 5s and 8s is not
    /// singled out; beyond that the voter likely sees different scope and should speak first.
    /// </summary>
    public const int OutlierStepThreshold = 2;

    /// <summary>
    /// Outliers are only looked for with at least this many numeric votes: with two voters
    /// there is no majority to stand out from.
    /// </summary>
    public const int MinVotesForOutliers = 3;

    /// <summary>All votes, numeric or not.</summary>
    public required int Count { get; init; }

    /// <summary>Votes on cards with a value.</summary>
    public required int NumericCount { get; init; }

    /// <summary>Votes on the <c>?</c> card.</summary>
    public required int UnsureCount { get; init; }

    /// <summary>Votes on the <c>☕</c> card.</summary>
    public required int BreakCount { get; init; }

    /// <summary>Arithmetic mean of numeric votes, rounded to 2 decimals (half away from zero).</summary>
    public decimal? Average { get; init; }

    /// <summary>Middle numeric value; with an even count, the mean of the two middle values.</summary>
    public decimal? Median { get; init; }

    /// <summary>Smallest numeric value.</summary>
    public decimal? Min { get; init; }

    /// <summary>Largest numeric value.</summary>
    public decimal? Max { get; init; }

    /// <summary>Label of the smallest numeric vote (what a T-shirt deck shows instead of <see cref="Min"/>).</summary>
    public string? MinLabel { get; init; }

    /// <summary>Label of the largest numeric vote.</summary>
    public string? MaxLabel { get; init; }

    /// <summary><see cref="Max"/> − <see cref="Min"/>.</summary>
    public decimal? Spread { get; init; }

    /// <summary>How many numeric cards apart the lowest and highest votes are (0 = all equal).</summary>
    public int? SpreadInSteps { get; init; }

    /// <summary>Population standard deviation of numeric votes (every voter is counted, not sampled), rounded to 2 decimals.</summary>
    public double? StandardDeviation { get; init; }

    /// <summary>At least one numeric vote and all numeric votes equal. A single voter is a consensus of one.</summary>
    public required bool Consensus { get; init; }

    /// <summary>At least one numeric vote and all numeric votes on the same or adjacent numeric cards. True whenever <see cref="Consensus"/> is.</summary>
    public required bool NearConsensus { get; init; }

    /// <summary>Labels of the most chosen numeric card(s), in deck order; several on a tie, empty without numeric votes.</summary>
    public required IReadOnlyList<string> Modes { get; init; }

    /// <summary>Every label that received a vote (special cards included) with its count, in deck order.</summary>
    public required IReadOnlyList<CardCount> Distribution { get; init; }

    /// <summary>Labels of numeric votes more than <see cref="OutlierStepThreshold"/> steps from the median position, in deck order.</summary>
    public required IReadOnlyList<string> OutlierLabels { get; init; }

    /// <summary>
    /// The numeric card nearest to <see cref="Median"/>; on a tie the higher card, because an
    /// estimate that is too low hurts a plan more than one that is too high.
    /// </summary>
    public Card? Suggested { get; init; }

    /// <summary>Statistics of a round nobody voted in.</summary>
    public static VoteStatistics Empty { get; } = new()
    {
        Count = 0,
        NumericCount = 0,
        UnsureCount = 0,
        BreakCount = 0,
        Consensus = false,
        NearConsensus = false,
        Modes = [],
        Distribution = [],
        OutlierLabels = [],
    };

    /// <summary>Computes statistics for <paramref name="labels"/> voted with <paramref name="deck"/>.</summary>
    /// <exception cref="ArgumentException">A label is not in the deck: votes are validated when cast, so this is a bug.</exception>
    public static VoteStatistics Compute(Deck deck, IEnumerable<string> labels)
    {
        ArgumentNullException.ThrowIfNull(deck);
        ArgumentNullException.ThrowIfNull(labels);

        var counts = new int[deck.Cards.Count];
        var total = 0;
        foreach (var label in labels)
        {
            var index = deck.IndexOf(label);
            if (index < 0)
            {
                throw new ArgumentException($"The vote \"{label}\" is not a card of deck {deck.Id}.", nameof(labels));
            }

            counts[index]++;
            total++;
        }

        if (total == 0)
        {
            return Empty;
        }

        var distribution = new List<CardCount>();
        var numericIndices = new List<int>();
        var unsure = 0;
        var pause = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0)
            {
                continue;
            }

            var card = deck.Cards[i];
            distribution.Add(new CardCount(card.Label, counts[i]));
            if (card.IsUnsure)
            {
                unsure += counts[i];
            }
            else if (card.IsBreak)
            {
                pause += counts[i];
            }

            if (card.IsNumeric)
            {
                numericIndices.AddRange(Enumerable.Repeat(deck.NumericIndexOf(card.Label), counts[i]));
            }
        }

        var common = new VoteStatistics
        {
            Count = total,
            NumericCount = numericIndices.Count,
            UnsureCount = unsure,
            BreakCount = pause,
            Consensus = false,
            NearConsensus = false,
            Modes = [],
            Distribution = distribution,
            OutlierLabels = [],
        };
        if (numericIndices.Count == 0)
        {
            return common;
        }

        // numericIndices is ascending because deck order is value order for numeric cards.
        var values = numericIndices.Select(i => deck.NumericCards[i].Value!.Value).ToList();
        var n = values.Count;
        var mean = values.Sum() / n;
        var median = n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2m;
        var medianStep = n % 2 == 1 ? numericIndices[n / 2] : (numericIndices[(n / 2) - 1] + numericIndices[n / 2]) / 2.0;
        var variance = values.Sum(v => Math.Pow((double)(v - mean), 2)) / n;
        var steps = numericIndices[^1] - numericIndices[0];

        var numericCounts = distribution.Where(c => deck.Find(c.Label)!.IsNumeric).ToList();
        var top = numericCounts.Max(c => c.Count);
        var outliers = n < MinVotesForOutliers
            ? []
            : numericIndices.Distinct()
                .Where(i => Math.Abs(i - medianStep) > OutlierStepThreshold)
                .Select(i => deck.NumericCards[i].Label)
                .ToList();

        return common with
        {
            Average = Math.Round(mean, 2, MidpointRounding.AwayFromZero),
            Median = median,
            Min = values[0],
            Max = values[^1],
            MinLabel = deck.NumericCards[numericIndices[0]].Label,
            MaxLabel = deck.NumericCards[numericIndices[^1]].Label,
            Spread = values[^1] - values[0],
            SpreadInSteps = steps,
            StandardDeviation = Math.Round(Math.Sqrt(variance), 2, MidpointRounding.AwayFromZero),
            Consensus = steps == 0,
            NearConsensus = steps <= 1,
            Modes = [.. numericCounts.Where(c => c.Count == top).Select(c => c.Label)],
            OutlierLabels = outliers,
            Suggested = NearestCard(deck, median),
        };
    }

    /// <summary>The numeric card nearest to <paramref name="value"/>; the higher one on a tie.</summary>
    public static Card? NearestCard(Deck deck, decimal value)
    {
        ArgumentNullException.ThrowIfNull(deck);
        Card? best = null;
        var bestDistance = decimal.MaxValue;
        foreach (var card in deck.NumericCards)
        {
            var distance = Math.Abs(card.Value!.Value - value);

            // Ascending order plus "<=" makes the later (higher) card win a tie.
            if (distance <= bestDistance)
            {
                best = card;
                bestDistance = distance;
            }
        }

        return best;
    }
}
