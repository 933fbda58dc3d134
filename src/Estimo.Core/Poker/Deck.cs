using System.Collections.ObjectModel;
using System.Globalization;

namespace Estimo.Core.Poker;

/// <summary>
/// An ordered set of cards a session votes with. The order is the order shown to voters and the
/// order statistics use for "deck steps" (see <c>docs/poker-rules.md</c>).
/// </summary>
/// <remarks>
/// A deck can only be obtained from <see cref="Create"/> (which validates) or from
/// <see cref="BuiltInDecks"/>, so every <see cref="Deck"/> in the program satisfies the rules:
/// 2..30 cards, unique trimmed labels of 1..8 characters without control characters, and numeric
/// values that are non-negative, unique and strictly ascending in deck order, and no value on the
/// special <c>?</c> and <c>☕</c> cards. Those rules are what
/// make "the next card up" and "the nearest card to the median" well defined.
/// </remarks>
public sealed class Deck
{
    /// <summary>The fewest cards a deck may have: one card is not a choice.</summary>
    public const int MinCards = 2;

    /// <summary>The most cards a deck may have: more do not fit a card row and make votes noisy.</summary>
    public const int MaxCards = 30;

    /// <summary>The longest label, in text elements (what a person counts as characters).</summary>
    public const int MaxLabelLength = 8;

    /// <summary>The longest deck id.</summary>
    public const int MaxIdLength = 64;

    /// <summary>The longest deck name.</summary>
    public const int MaxNameLength = 60;

    private readonly Dictionary<string, int> _indexByLabel;
    private readonly Dictionary<string, int> _numericIndexByLabel;

    private Deck(string id, string name, IReadOnlyList<Card> cards, bool valuesAreMapping)
    {
        Id = id;
        Name = name;
        Cards = new ReadOnlyCollection<Card>([.. cards]);
        NumericCards = new ReadOnlyCollection<Card>([.. cards.Where(c => c.IsNumeric)]);
        ValuesAreMapping = valuesAreMapping;
        _indexByLabel = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Cards.Count; i++)
        {
            _indexByLabel[Cards[i].Label] = i;
        }

        _numericIndexByLabel = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < NumericCards.Count; i++)
        {
            _numericIndexByLabel[NumericCards[i].Label] = i;
        }
    }

    /// <summary>A stable id (built-in ids are fixed strings such as <c>fibonacci</c>).</summary>
    public string Id { get; }

    /// <summary>The name shown to people.</summary>
    public string Name { get; }

    /// <summary>Every card in display order.</summary>
    public IReadOnlyList<Card> Cards { get; }

    /// <summary>
    /// The cards with a value, ascending. Positions in this list are the "deck steps" used by
    /// spread-in-steps, near consensus and the outlier rule.
    /// </summary>
    public IReadOnlyList<Card> NumericCards { get; }

    /// <summary>
    /// Whether the values are a hidden mapping of non-numeric labels (T-shirt sizes) rather than
    /// the labels themselves. The UI should then present labels (the suggested card, min and max
    /// cards) and not averages, and save the value to Jira only when the target field is numeric.
    /// </summary>
    public bool ValuesAreMapping { get; }

    /// <summary>Whether <paramref name="label"/> is one of this deck's cards (ordinal, exact).</summary>
    /// <remarks>Votes are validated with this; labels are never trimmed or case-folded here, so the
    /// client must send the label exactly as the deck defines it.</remarks>
    public bool Contains(string? label) => label is not null && _indexByLabel.ContainsKey(label);

    /// <summary>The card with <paramref name="label"/>, or <see langword="null"/>.</summary>
    public Card? Find(string? label) =>
        label is not null && _indexByLabel.TryGetValue(label, out var i) ? Cards[i] : null;

    /// <summary>The display position of <paramref name="label"/>, or -1.</summary>
    public int IndexOf(string? label) =>
        label is not null && _indexByLabel.TryGetValue(label, out var i) ? i : -1;

    /// <summary>The position of <paramref name="label"/> among <see cref="NumericCards"/>, or -1.</summary>
    public int NumericIndexOf(string? label) =>
        label is not null && _numericIndexByLabel.TryGetValue(label, out var i) ? i : -1;

    /// <summary>
    /// Validates and builds a deck. Every problem is reported at once (like a form would), so a
    /// person editing a custom deck can fix them all in one go.
    /// </summary>
    /// <param name="id">Stable id, 1..64 characters.</param>
    /// <param name="name">Display name, 1..60 characters after trimming.</param>
    /// <param name="cards">Cards in display order; labels are trimmed before validation.</param>
    /// <param name="valuesAreMapping">See <see cref="ValuesAreMapping"/>.</param>
    public static DeckResult Create(string id, string name, IEnumerable<Card> cards, bool valuesAreMapping = false)
    {
        ArgumentNullException.ThrowIfNull(cards);
        var problems = new List<DeckProblem>();
        var trimmedId = (id ?? string.Empty).Trim();
        var trimmedName = (name ?? string.Empty).Trim();
        if (trimmedId.Length is 0 or > MaxIdLength)
        {
            problems.Add(new DeckProblem(DeckProblemCode.InvalidId, null,
                string.Create(CultureInfo.InvariantCulture, $"The deck id must be 1 to {MaxIdLength} characters.")));
        }

        if (trimmedName.Length is 0 or > MaxNameLength || trimmedName.Any(char.IsControl))
        {
            problems.Add(new DeckProblem(DeckProblemCode.InvalidName, null,
                string.Create(CultureInfo.InvariantCulture, $"The deck name must be 1 to {MaxNameLength} characters without control characters.")));
        }

        var list = cards.Select(c => c ?? throw new ArgumentException("A card is null.", nameof(cards))).ToList();
        if (list.Count is < MinCards or > MaxCards)
        {
            problems.Add(new DeckProblem(DeckProblemCode.CardCount, null,
                string.Create(CultureInfo.InvariantCulture, $"A deck has {MinCards} to {MaxCards} cards; this one has {list.Count}.")));
        }

        var normalized = new List<Card>(list.Count);
        var seenLabels = new HashSet<string>(StringComparer.Ordinal);
        var seenValues = new HashSet<decimal>();
        decimal? previousValue = null;
        for (var i = 0; i < list.Count; i++)
        {
            var label = (list[i].Label ?? string.Empty).Trim();
            var value = list[i].Value;
            var length = label.Length == 0 ? 0 : new StringInfo(label).LengthInTextElements;
            if (length is 0 or > MaxLabelLength)
            {
                problems.Add(new DeckProblem(DeckProblemCode.LabelLength, i,
                    string.Create(CultureInfo.InvariantCulture, $"Card {i + 1}: a label has 1 to {MaxLabelLength} characters.")));
            }

            if (label.Any(char.IsControl))
            {
                problems.Add(new DeckProblem(DeckProblemCode.LabelControlCharacter, i,
                    string.Create(CultureInfo.InvariantCulture, $"Card {i + 1}: a label may not contain control characters.")));
            }

            if (label.Length > 0 && !seenLabels.Add(label))
            {
                problems.Add(new DeckProblem(DeckProblemCode.DuplicateLabel, i,
                    string.Create(CultureInfo.InvariantCulture, $"Card {i + 1}: the label \"{label}\" is used twice.")));
            }

            if (value is not null && (label == Card.UnsureLabel || label == Card.BreakLabel))
            {
                problems.Add(new DeckProblem(DeckProblemCode.SpecialCardWithValue, i,
                    string.Create(CultureInfo.InvariantCulture, $"Card {i + 1}: \"{label}\" never counts in statistics, so it cannot have a value.")));
            }

            if (value is { } v)
            {
                if (v < 0)
                {
                    problems.Add(new DeckProblem(DeckProblemCode.NegativeValue, i,
                        string.Create(CultureInfo.InvariantCulture, $"Card {i + 1}: values may not be negative.")));
                }

                if (!seenValues.Add(v))
                {
                    problems.Add(new DeckProblem(DeckProblemCode.DuplicateValue, i,
                        string.Create(CultureInfo.InvariantCulture, $"Card {i + 1}: the value {v} is used twice.")));
                }
                else if (previousValue is { } p && v < p)
                {
                    problems.Add(new DeckProblem(DeckProblemCode.ValuesNotAscending, i,
                        string.Create(CultureInfo.InvariantCulture, $"Card {i + 1}: values must ascend in deck order ({v} comes after {p}).")));
                }

                previousValue = previousValue is { } pv ? Math.Max(pv, v) : v;
            }

            normalized.Add(new Card(label, value));
        }

        return problems.Count > 0
            ? new DeckResult(null, new DeckValidationError(problems))
            : new DeckResult(new Deck(trimmedId, trimmedName, normalized, valuesAreMapping), null);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Id})";
}

/// <summary>The outcome of <see cref="Deck.Create"/>: exactly one of a deck or an error.</summary>
/// <param name="Deck">The valid deck, when there were no problems.</param>
/// <param name="Error">Every problem found, when there was at least one.</param>
public sealed record DeckResult(Deck? Deck, DeckValidationError? Error)
{
    /// <summary>Whether the deck was valid.</summary>
    public bool IsValid => Deck is not null;
}

/// <summary>Every reason a custom deck was refused.</summary>
/// <param name="Problems">At least one problem, in card order (deck-level problems first).</param>
public sealed record DeckValidationError(IReadOnlyList<DeckProblem> Problems);

/// <summary>One reason a deck was refused.</summary>
/// <param name="Code">What kind of problem, for the UI to localize.</param>
/// <param name="CardIndex">The zero-based card the problem is about, or null for the deck itself.</param>
/// <param name="Message">An English description for logs and API clients.</param>
public sealed record DeckProblem(DeckProblemCode Code, int? CardIndex, string Message);

/// <summary>The kinds of deck problems.</summary>
public enum DeckProblemCode
{
    /// <summary>The id is empty or too long.</summary>
    InvalidId,

    /// <summary>The name is empty, too long or has control characters.</summary>
    InvalidName,

    /// <summary>Fewer than 2 or more than 30 cards.</summary>
    CardCount,

    /// <summary>A label is empty or longer than 8 text elements after trimming.</summary>
    LabelLength,

    /// <summary>A label contains a control character.</summary>
    LabelControlCharacter,

    /// <summary>Two cards have the same label.</summary>
    DuplicateLabel,

    /// <summary>A value is below zero.</summary>
    NegativeValue,

    /// <summary>Two cards have the same value.</summary>
    DuplicateValue,

    /// <summary>A value is smaller than a value before it.</summary>
    ValuesNotAscending,

    /// <summary>The <c>?</c> or <c>☕</c> card was given a value; special cards never count as numbers.</summary>
    SpecialCardWithValue,
}
