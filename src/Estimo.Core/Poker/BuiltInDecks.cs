namespace Estimo.Core.Poker;

/// <summary>
/// The decks every installation has without configuring anything. Ids are part of stored
/// sessions and estimation records, so they never change.
/// </summary>
public static class BuiltInDecks
{
    /// <summary>Id of <see cref="Fibonacci"/>.</summary>
    public const string FibonacciId = "fibonacci";

    /// <summary>Id of <see cref="ModifiedFibonacci"/>.</summary>
    public const string ModifiedFibonacciId = "modified-fibonacci";

    /// <summary>Id of <see cref="TShirt"/>.</summary>
    public const string TShirtId = "t-shirt";

    /// <summary>Id of <see cref="PowersOfTwo"/>.</summary>
    public const string PowersOfTwoId = "powers-of-two";

    /// <summary>0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, ?, ☕.</summary>
    public static Deck Fibonacci { get; } = Numeric(FibonacciId, "Fibonacci", 0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89);

    /// <summary>0, ½, 1, 2, 3, 5, 8, 13, 20, 40, 100, ?, ☕ — the "Mountain Goat" deck; ½ is worth 0.5.</summary>
    public static Deck ModifiedFibonacci { get; } = Build(
        ModifiedFibonacciId,
        "Modified Fibonacci",
        [
            new("0", 0m), new("\u00BD", 0.5m), new("1", 1m), new("2", 2m), new("3", 3m), new("5", 5m),
            new("8", 8m), new("13", 13m), new("20", 20m), new("40", 40m), new("100", 100m),
            Card.Unsure, Card.Break,
        ],
        valuesAreMapping: false);

    /// <summary>
    /// XS, S, M, L, XL, XXL, ?, ☕ mapped to 1, 2, 3, 5, 8, 13. The mapping exists so the same
    /// statistics (median, steps, outliers, suggestion) work for sizes and so a numeric Jira field
    /// can receive a number; the UI shows the labels (see <see cref="Deck.ValuesAreMapping"/>).
    /// </summary>
    public static Deck TShirt { get; } = Build(
        TShirtId,
        "T-shirt sizes",
        [
            new("XS", 1m), new("S", 2m), new("M", 3m), new("L", 5m), new("XL", 8m), new("XXL", 13m),
            Card.Unsure, Card.Break,
        ],
        valuesAreMapping: true);

    /// <summary>0, 1, 2, 4, 8, 16, 32, 64, ?, ☕.</summary>
    public static Deck PowersOfTwo { get; } = Numeric(PowersOfTwoId, "Powers of two", 0, 1, 2, 4, 8, 16, 32, 64);

    /// <summary>All built-in decks in the order a deck picker shows them.</summary>
    public static IReadOnlyList<Deck> All { get; } = [Fibonacci, ModifiedFibonacci, TShirt, PowersOfTwo];

    /// <summary>The built-in deck with <paramref name="id"/>, or <see langword="null"/>.</summary>
    public static Deck? Find(string? id) => All.FirstOrDefault(d => string.Equals(d.Id, id, StringComparison.Ordinal));

    private static Deck Numeric(string id, string name, params int[] values) =>
        Build(id, name, [.. values.Select(v => new Card(v.ToString(System.Globalization.CultureInfo.InvariantCulture), v)), Card.Unsure, Card.Break], valuesAreMapping: false);

    private static Deck Build(string id, string name, IEnumerable<Card> cards, bool valuesAreMapping) =>
        Deck.Create(id, name, cards, valuesAreMapping).Deck
        ?? throw new InvalidOperationException($"Built-in deck {id} is invalid.");
}
