import { describe, expect, it } from 'vitest';
import { someStatistics } from '../test/fixtures';
import { formatCountdown, formatNumber, revealAnnouncement, statisticsRows } from './format';

describe('formatting', () => {
  it('rounds to one decimal and drops trailing zeros', () => {
    expect(formatNumber(5.333)).toBe('5.3');
    expect(formatNumber(5)).toBe('5');
    expect(formatNumber(4.96)).toBe('5');
    expect(formatNumber(null)).toBe('–');
  });

  it('lists the statistics a team discusses', () => {
    expect(statisticsRows(someStatistics())).toEqual([
      { label: 'Votes', value: '3' },
      { label: 'Average', value: '5.3' },
      { label: 'Median', value: '5' },
      { label: 'Spread', value: '3 – 8 (2 cards apart)' },
      { label: 'Agreement', value: 'No consensus' },
    ]);
  });

  it('mentions non-numeric votes and consensus', () => {
    const rows = statisticsRows(someStatistics({ count: 4, numericCount: 3, consensus: true, min: null, max: null }));
    expect(rows).toContainEqual({ label: 'Agreement', value: 'Consensus' });
    expect(rows).toContainEqual({ label: 'Non-numeric votes', value: '1' });
    expect(rows).toContainEqual({ label: 'Spread', value: '–' });
  });

  it('announces the reveal in one sentence', () => {
    expect(revealAnnouncement('EST-1', someStatistics())).toBe(
      'Votes revealed for EST-1: 3 votes, average 5.3, median 5, no consensus. Suggested estimate 5.',
    );
  });

  it('counts down in minutes and seconds', () => {
    expect(formatCountdown(61_000)).toBe('1:01');
    expect(formatCountdown(-5)).toBe('0:00');
  });
});
