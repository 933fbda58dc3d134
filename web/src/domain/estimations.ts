// The issue property `estimo.estimations`: { records: EstimationRecord[] }, newest last,
// at most 20 kept (docs/api.md).
import type { EstimationRecord } from '../remote/types';

export const ESTIMATIONS_PROPERTY = 'estimo.estimations';
export const MAX_RECORDS = 20;

export interface EstimationsProperty {
  records: EstimationRecord[];
}

/** Accepts whatever is stored (possibly hand-edited or from an older version). */
export const readRecords = (value: unknown): EstimationRecord[] => {
  if (!value || typeof value !== 'object') return [];
  const records = (value as { records?: unknown }).records;
  if (!Array.isArray(records)) return [];
  return records.filter(
    (r): r is EstimationRecord => !!r && typeof r === 'object' && typeof (r as EstimationRecord).finalLabel === 'string',
  );
};

/** Appends a record, replacing an earlier record of the same session at the same time, and keeps the newest 20. */
export const appendRecord = (existing: unknown, record: EstimationRecord): EstimationsProperty => {
  const records = readRecords(existing).filter(
    (r) => !(r.sessionId === record.sessionId && r.estimatedAt === record.estimatedAt),
  );
  records.push(record);
  return { records: records.slice(-MAX_RECORDS) };
};
