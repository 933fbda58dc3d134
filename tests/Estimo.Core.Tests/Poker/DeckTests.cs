using Estimo.Core.Poker;

namespace Estimo.Core.Tests.Poker;

public class DeckTests
{
    [Fact]
    public void Fibonacci_HasTheDocumentedCardsInOrder()
    {
        Assert.Equal(
            ["0", "1", "2", "3", "5", "8", "13", "21", "34", "55", "89", "?", "\u2615"],
            BuiltInDecks.Fibonacci.Cards.Select(c => c.Label));
    }

    [Fact]
    public void ModifiedFibonacci_HalfIsWorthZeroPointFive()
    {
        var deck = BuiltInDecks.ModifiedFibonacci;
        Assert.Equal(
            ["0", "\u00BD", "1", "2", "3", "5", "8", "13", "20", "40", "100", "?", "\u2615"],
            deck.Cards.Select(c => c.Label));
        Assert.Equal(0.5m, deck.Find("\u00BD")!.Value);
    }

    [Fact]
    public void TShirt_MapsSizesToNumbersAndSaysSo()
    {
        var deck = BuiltInDecks.TShirt;
        Assert.True(deck.ValuesAreMapping);
        Assert.Equal(["XS", "S", "M", "L", "XL", "XXL", "?", "\u2615"], deck.Cards.Select(c => c.Label));
        Assert.Equal([1m, 2m, 3m, 5m, 8m, 13m], deck.NumericCards.Select(c => c.Value!.Value));
    }

    [Fact]
    public void PowersOfTwo_HasTheDocumentedCards()
    {
        Assert.Equal(
            ["0", "1", "2", "4", "8", "16", "32", "64", "?", "\u2615"],
            BuiltInDecks.PowersOfTwo.Cards.Select(c => c.Label));
    }

    [Fact]
    public void BuiltInDecks_AllEndWithUnsureAndBreakWhichAreNotNumeric()
    {
        foreach (var deck in BuiltInDecks.All)
        {
            Assert.Equal(Card.UnsureLabel, deck.Cards[^2].Label);
            Assert.Equal(Card.BreakLabel, deck.Cards[^1].Label);
            Assert.False(deck.Cards[^2].IsNumeric);
            Assert.False(deck.Cards[^1].IsNumeric);
            Assert.DoesNotContain(deck.NumericCards, c => c.IsUnsure || c.IsBreak);
        }
    }

    [Fact]
    public void Find_ById_ReturnsBuiltInOrNull()
    {
        Assert.Same(BuiltInDecks.TShirt, BuiltInDecks.Find("t-shirt"));
        Assert.Null(BuiltInDecks.Find("nope"));
        Assert.Null(BuiltInDecks.Find(null));
    }

    [Theory]
    [InlineData("5", true)]
    [InlineData("?", true)]
    [InlineData("\u2615", true)]
    [InlineData("4", false)]
    [InlineData(" 5", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Contains_IsExactOrdinal(string? label, bool expected) =>
        Assert.Equal(expected, BuiltInDecks.Fibonacci.Contains(label));

    [Fact]
    public void Contains_IsCaseSensitive() => Assert.False(BuiltInDecks.TShirt.Contains("xs"));

    [Fact]
    public void IndexOf_And_NumericIndexOf_CountDisplayAndDeckSteps()
    {
        var deck = BuiltInDecks.Fibonacci;
        Assert.Equal(4, deck.IndexOf("5"));
        Assert.Equal(4, deck.NumericIndexOf("5"));
        Assert.Equal(11, deck.IndexOf("?"));
        Assert.Equal(-1, deck.NumericIndexOf("?"));
        Assert.Equal(-1, deck.IndexOf("4"));
    }

    [Fact]
    public void Create_ValidCustomDeck_TrimsLabelsAndKeepsOrder()
    {
        var result = Deck.Create(" custom ", " Team deck ", [new(" 1 ", 1), new("2", 2), new("big", null), new("?", null)]);

        Assert.True(result.IsValid);
        Assert.Null(result.Error);
        Assert.Equal("custom", result.Deck!.Id);
        Assert.Equal("Team deck", result.Deck.Name);
        Assert.Equal(["1", "2", "big", "?"], result.Deck.Cards.Select(c => c.Label));
        Assert.Equal(["1", "2"], result.Deck.NumericCards.Select(c => c.Label));
        Assert.False(result.Deck.ValuesAreMapping);
    }

    [Fact]
    public void Create_EmojiLabel_CountsTextElementsNotCodeUnits()
    {
        // A family emoji is 11 UTF-16 code units but one character to a person.
        var result = Deck.Create("d", "Emoji", [new("\U0001F468\u200D\U0001F469\u200D\U0001F467", null), new("1", 1)]);
        Assert.True(result.IsValid, string.Join("; ", result.Error?.Problems.Select(p => p.Message) ?? []));
    }

    [Fact]
    public void Create_ExactlyTwoAndThirtyCards_AreAllowed()
    {
        Assert.True(Deck.Create("d", "Two", Cards(2)).IsValid);
        Assert.True(Deck.Create("d", "Thirty", Cards(30)).IsValid);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(31)]
    public void Create_WrongCardCount_IsRefused(int count)
    {
        var result = Deck.Create("d", "Deck", Cards(count));
        Assert.False(result.IsValid);
        Assert.Contains(result.Error!.Problems, p => p.Code == DeckProblemCode.CardCount && p.CardIndex is null);
    }

    [Fact]
    public void Create_EveryProblem_IsReportedAtOnce()
    {
        var result = Deck.Create(
            "",
            "  ",
            [
                new("1", 1),
                new("  ", null),               // 1: empty after trim
                new("123456789", null),        // 2: 9 characters
                new("a\tb", null),             // 3: control character
                new("1", null),                // 4: duplicate label
                new("x", 1),                   // 5: duplicate value
                new("y", 0.5m),                // 6: not ascending
                new("z", -1),                  // 7: negative and not ascending
            ]);

        Assert.False(result.IsValid);
        Assert.Null(result.Deck);
        var problems = result.Error!.Problems.Select(p => (p.Code, p.CardIndex)).ToList();
        Assert.Contains((DeckProblemCode.InvalidId, (int?)null), problems);
        Assert.Contains((DeckProblemCode.InvalidName, (int?)null), problems);
        Assert.Contains((DeckProblemCode.LabelLength, (int?)1), problems);
        Assert.Contains((DeckProblemCode.LabelLength, (int?)2), problems);
        Assert.Contains((DeckProblemCode.LabelControlCharacter, (int?)3), problems);
        Assert.Contains((DeckProblemCode.DuplicateLabel, (int?)4), problems);
        Assert.Contains((DeckProblemCode.DuplicateValue, (int?)5), problems);
        Assert.Contains((DeckProblemCode.ValuesNotAscending, (int?)6), problems);
        Assert.Contains((DeckProblemCode.NegativeValue, (int?)7), problems);
        Assert.Contains((DeckProblemCode.ValuesNotAscending, (int?)7), problems);
        Assert.Equal(10, problems.Count);
        Assert.All(result.Error.Problems, p => Assert.False(string.IsNullOrWhiteSpace(p.Message)));
    }

    [Fact]
    public void Create_NullValuesBetweenNumbers_DoNotBreakAscendingOrder()
    {
        var result = Deck.Create("d", "Deck", [new("1", 1), new("?", null), new("2", 2)]);
        Assert.True(result.IsValid);
    }

    [Fact]
    public void Create_DuplicateLabelAfterTrimming_IsRefused()
    {
        var result = Deck.Create("d", "Deck", [new("5", 5), new(" 5 ", null)]);
        Assert.Contains(result.Error!.Problems, p => p.Code == DeckProblemCode.DuplicateLabel && p.CardIndex == 1);
    }

    [Theory]
    [InlineData("?")]
    [InlineData("\u2615")]
    public void Create_SpecialCardWithValue_IsRefused(string label)
    {
        var result = Deck.Create("d", "Deck", [new("1", 1), new(label, 2)]);
        Assert.Contains(result.Error!.Problems, p => p.Code == DeckProblemCode.SpecialCardWithValue && p.CardIndex == 1);
    }

    private static IEnumerable<Card> Cards(int count) =>
        Enumerable.Range(0, count).Select(i => new Card(i.ToString(System.Globalization.CultureInfo.InvariantCulture), i));
}
