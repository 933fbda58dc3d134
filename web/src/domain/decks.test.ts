import { describe, expect, it } from 'vitest';
import { DECK_PRESETS, parseCustomCards } from './decks';

describe('decks', () => {
  it('offers the four preset decks', () => {
    expect(DECK_PRESETS.map((d) => d.id)).toEqual(['fibonacci', 'modified-fibonacci', 't-shirt', 'powers-of-two']);
  });

  it('parses custom cards with optional values', () => {
    expect(parseCustomCards('1\nM = 3\n?\n')).toEqual({
      cards: [
        { label: '1', value: 1 },
        { label: 'M', value: 3 },
        { label: '?', value: null },
      ],
      errors: [],
    });
  });

  it('rejects duplicates, bad values and too few cards', () => {
    expect(parseCustomCards('1\n1').errors).toContain('Line 2: "1" appears twice.');
    expect(parseCustomCards('S = small').errors).toEqual(['Line 1: "small" is not a number.', 'A deck needs at least two cards.']);
  });
});
