import type { Card } from '../../remote/types';

interface Props {
  cards: Card[];
  chosen: string | null;
  disabled: boolean;
  onChoose(label: string): void;
  /** Used to make names unique where several decks are on screen (async mode). */
  issueKey?: string;
}

/** The voter's cards: real buttons, named "Vote 5", pressed when chosen. Pressing the chosen card again retracts. */
export const CardDeck = ({ cards, chosen, disabled, onChoose, issueKey }: Props) => (
  <div class="deck" role="group" aria-label={issueKey ? `Your vote for ${issueKey}` : 'Your vote'}>
    {cards.map((card) => (
      <button
        key={card.label}
        type="button"
        class={`card${chosen === card.label ? ' card--chosen' : ''}`}
        aria-pressed={chosen === card.label}
        aria-label={issueKey ? `Vote ${card.label} for ${issueKey}` : `Vote ${card.label}`}
        disabled={disabled}
        onClick={() => onChoose(card.label)}
      >
        {card.label}
      </button>
    ))}
  </div>
);
