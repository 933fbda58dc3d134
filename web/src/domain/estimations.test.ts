import { describe, expect, it } from 'vitest';
import type { EstimationRecord } from '../remote/types';
import { appendRecord, MAX_RECORDS, readRecords } from './estimations';

const record = (n: number): EstimationRecord => ({
  sessionId: `s${n}`,
  finalLabel: String(n),
  finalValue: n,
  distribution: [{ label: String(n), count: 2 }],
  roundCount: 1,
  participantAccountIds: ['a', 'b'],
  estimatedAt: `2026-11-${String((n % 28) + 1).padStart(2, '0')}T10:00:00Z`,
});

describe('appendRecord', () => {
  it('starts a history when the property is missing', () => {
    expect(appendRecord(null, record(1))).toEqual({ records: [record(1)] });
  });

  it('appends newest last and keeps the newest 20', () => {
    const existing = { records: Array.from({ length: MAX_RECORDS }, (_, i) => record(i)) };
    const next = appendRecord(existing, record(99));
    expect(next.records).toHaveLength(MAX_RECORDS);
    expect(next.records[0]?.sessionId).toBe('s1');
    expect(next.records[MAX_RECORDS - 1]?.sessionId).toBe('s99');
  });

  it('does not duplicate a record written twice (a retried save)', () => {
    const once = appendRecord(null, record(1));
    expect(appendRecord(once, record(1)).records).toHaveLength(1);
  });

  it('ignores junk in the stored value', () => {
    expect(readRecords({ records: [null, 3, { finalLabel: 5 }, record(2)] })).toEqual([record(2)]);
    expect(readRecords('nope')).toEqual([]);
  });
});
