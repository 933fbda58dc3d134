// How numbers and statistics read on screen.
import type { Statistics } from '../remote/types';

export const formatNumber = (value: number | null | undefined): string => {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const rounded = Math.round(value * 10) / 10;
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(1);
};

export interface StatRow {
  label: string;
  value: string;
}

export const consensusText = (stats: Statistics): string =>
  stats.consensus ? 'Consensus' : stats.nearConsensus ? 'Near consensus' : 'No consensus';

export const statisticsRows = (stats: Statistics): StatRow[] => {
  const rows: StatRow[] = [
    { label: 'Votes', value: String(stats.count) },
    { label: 'Average', value: formatNumber(stats.average) },
    { label: 'Median', value: formatNumber(stats.median) },
  ];
  if (stats.min !== null && stats.max !== null) {
    const steps = stats.spreadSteps === null ? '' : ` (${stats.spreadSteps} ${stats.spreadSteps === 1 ? 'card' : 'cards'} apart)`;
    rows.push({ label: 'Spread', value: `${formatNumber(stats.min)} – ${formatNumber(stats.max)}${steps}` });
  } else {
    rows.push({ label: 'Spread', value: '–' });
  }
  rows.push({ label: 'Agreement', value: consensusText(stats) });
  if (stats.numericCount < stats.count) {
    rows.push({ label: 'Non-numeric votes', value: String(stats.count - stats.numericCount) });
  }
  return rows;
};

/** The sentence announced in the live region when the cards are turned. */
export const revealAnnouncement = (issueKey: string, stats: Statistics | null): string => {
  if (!stats) return `Votes revealed for ${issueKey}.`;
  const suggestion = stats.suggestedLabel ? ` Suggested estimate ${stats.suggestedLabel}.` : '';
  return `Votes revealed for ${issueKey}: ${stats.count} ${stats.count === 1 ? 'vote' : 'votes'}, average ${formatNumber(stats.average)}, median ${formatNumber(stats.median)}, ${consensusText(stats).toLowerCase()}.${suggestion}`;
};

export const formatDateTime = (iso: string | null | undefined, locale?: string): string => {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
};

export const formatCountdown = (msLeft: number): string => {
  const total = Math.max(0, Math.ceil(msLeft / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
};
