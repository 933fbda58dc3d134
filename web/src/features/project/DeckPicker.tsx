import { DECK_PRESETS, parseCustomCards } from '../../domain/decks';
import type { DeckId } from '../../remote/types';

interface Props {
  deckId: DeckId;
  customText: string;
  onDeckChange(deckId: DeckId): void;
  onCustomTextChange(text: string): void;
}

/** The deck choice with a preview; "custom" opens a one-card-per-line editor. */
export const DeckPicker = ({ deckId, customText, onDeckChange, onCustomTextChange }: Props) => {
  const preset = DECK_PRESETS.find((d) => d.id === deckId);
  const custom = deckId === 'custom' ? parseCustomCards(customText) : null;
  const cards = preset?.cards ?? custom?.cards ?? [];
  return (
    <fieldset class="fieldset">
      <legend>Deck</legend>
      <label class="field">
        <span>Deck</span>
        <select value={deckId} onChange={(e) => onDeckChange((e.currentTarget as HTMLSelectElement).value as DeckId)}>
          {DECK_PRESETS.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
          <option value="custom">Custom cards</option>
        </select>
      </label>
      {deckId === 'custom' && (
        <label class="field">
          <span>Custom cards (one per line; "label" or "label = value", e.g. "M = 3")</span>
          <textarea rows={6} value={customText} onInput={(e) => onCustomTextChange((e.currentTarget as HTMLTextAreaElement).value)} aria-describedby="custom-deck-errors" />
        </label>
      )}
      {custom && custom.errors.length > 0 && (
        <ul id="custom-deck-errors" class="field-errors" role="alert">
          {custom.errors.map((error) => (
            <li key={error}>{error}</li>
          ))}
        </ul>
      )}
      <p class="deck-preview" aria-label="Deck preview">
        {cards.map((card) => (
          <span key={card.label} class="mini-card">
            {card.label}
          </span>
        ))}
      </p>
    </fieldset>
  );
};
