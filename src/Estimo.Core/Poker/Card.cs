namespace Estimo.Core.Poker;

/// <summary>
/// One card of a <see cref="Deck"/>: what a voter sees (<see cref="Label"/>) and, when the card
/// stands for a quantity, the number statistics and numeric Jira fields use (<see cref="Value"/>).
/// </summary>
/// <remarks>
/// Values are <see cref="decimal"/> so that ½ (0.5) and averages of it stay exact; a
/// <see langword="null"/> value marks a card that never enters numeric statistics: the special
/// cards <see cref="UnsureLabel"/> and <see cref="BreakLabel"/>, and labels of decks without a
/// numeric mapping.
/// </remarks>
/// <param name="Label">The text on the card, already trimmed; unique within its deck (ordinal).</param>
/// <param name="Value">The quantity the card stands for, or <see langword="null"/> if it stands for none.</param>
public sealed record Card(string Label, decimal? Value)
{
    /// <summary>The "I don't know / need more information" card.</summary>
    public const string UnsureLabel = "?";

    /// <summary>The "I need a break" card (U+2615 HOT BEVERAGE).</summary>
    public const string BreakLabel = "\u2615";

    /// <summary>The unsure card every built-in deck ends with.</summary>
    public static Card Unsure { get; } = new(UnsureLabel, null);

    /// <summary>The break card every built-in deck ends with.</summary>
    public static Card Break { get; } = new(BreakLabel, null);

    /// <summary>Whether the card counts in numeric statistics.</summary>
    public bool IsNumeric => Value is not null;

    /// <summary>Whether this is the unsure card (<c>?</c>).</summary>
    public bool IsUnsure => string.Equals(Label, UnsureLabel, StringComparison.Ordinal);

    /// <summary>Whether this is the break card (<c>☕</c>).</summary>
    public bool IsBreak => string.Equals(Label, BreakLabel, StringComparison.Ordinal);
}
