// The decks offered when creating a session. The remote owns the authoritative cards
// (SessionView.cards); these are for choosing and previewing only.
import type { Card, DeckId } from '../remote/types';

export interface DeckPreset {
  id: Exclude<DeckId, 'custom'>;
  name: string;
  cards: Card[];
}

const numeric = (values: number[]): Card[] => values.map((value) => ({ label: String(value), value }));
const specials: Card[] = [
  { label: '?', value: null },
  { label: '☕', value: null },
];

export const DECK_PRESETS: DeckPreset[] = [
  { id: 'fibonacci', name: 'Fibonacci', cards: [...numeric([0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89]), ...specials] },
  {
    id: 'modified-fibonacci',
    name: 'Modified Fibonacci',
    cards: [{ label: '½', value: 0.5 }, ...numeric([0, 1, 2, 3, 5, 8, 13, 20, 40, 100]), ...specials].sort(
      (a, b) => (a.value ?? Infinity) - (b.value ?? Infinity),
    ),
  },
  {
    id: 't-shirt',
    name: 'T-shirt sizes',
    cards: [
      { label: 'XS', value: 1 },
      { label: 'S', value: 2 },
      { label: 'M', value: 3 },
      { label: 'L', value: 5 },
      { label: 'XL', value: 8 },
      { label: 'XXL', value: 13 },
      ...specials,
    ],
  },
  { id: 'powers-of-two', name: 'Powers of two', cards: [...numeric([0, 1, 2, 4, 8, 16, 32, 64]), ...specials] },
];

export interface CustomCardsValidation {
  cards: Card[];
  errors: string[];
}

/**
 * Parses the custom deck editor's text: one card per line, "label" or "label = value".
 * A purely numeric label gets that value; other labels without a value are non-numeric.
 */
export const parseCustomCards = (text: string): CustomCardsValidation => {
  const cards: Card[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((line, index) => {
    const trimmed = line.trim();
    if (!trimmed) return;
    const [rawLabel = '', rawValue] = trimmed.split('=').map((part) => part.trim());
    const label = rawLabel;
    if (!label) {
      errors.push(`Line ${index + 1}: the card needs a label.`);
      return;
    }
    if (label.length > 8) errors.push(`Line ${index + 1}: "${label}" is longer than 8 characters.`);
    if (seen.has(label)) errors.push(`Line ${index + 1}: "${label}" appears twice.`);
    seen.add(label);
    let value: number | null = null;
    if (rawValue !== undefined && rawValue !== '') {
      value = Number(rawValue);
      if (!Number.isFinite(value)) {
        errors.push(`Line ${index + 1}: "${rawValue}" is not a number.`);
        value = null;
      }
    } else if (/^\d+(\.\d+)?$/.test(label)) {
      value = Number(label);
    }
    cards.push({ label, value });
  });
  if (cards.length < 2) errors.push('A deck needs at least two cards.');
  return { cards, errors };
};
