// Access transparency: the support accesses to this site's data, from the remote's
// GET /api/admin/support-access (invoke path: the remote asks Jira whether the viewer is a
// site admin, as the viewer).
import type { Platform } from '../../platform/types';
import { toProblem } from '../../remote/client';
import type { Problem } from '../../remote/types';

export interface SupportAccessEntry {
  occurredAt: string;
  operatorId: string;
  action: string;
  reason: string | null;
  ticket: string | null;
  what: string;
}

export type SupportAccessResult = { ok: true; entries: SupportAccessEntry[] } | { ok: false; problem: Problem };

const ACTION_LABELS: Record<string, string> = {
  'grants.requested': 'Access requested',
  'grants.approved': 'Access approved',
  'grants.revoked': 'Access revoked',
  'support.sessions.read': 'Data read',
  'access.refused': 'Access refused',
};

/** A human label for an audit action; unknown actions are shown as they are. */
export const actionLabel = (action: string): string => ACTION_LABELS[action] ?? action;

const asEntry = (value: unknown): SupportAccessEntry | null => {
  if (!value || typeof value !== 'object') return null;
  const r = value as Record<string, unknown>;
  const text = (key: string) => (typeof r[key] === 'string' ? (r[key] as string) : null);
  const occurredAt = text('occurredAt');
  const operatorId = text('operatorId');
  const action = text('action');
  if (!occurredAt || !operatorId || !action) return null;
  return { occurredAt, operatorId, action, reason: text('reason'), ticket: text('ticket'), what: text('what') ?? action };
};

export const loadSupportAccess = async (platform: Platform): Promise<SupportAccessResult> => {
  try {
    const response = await platform.invokeRemote('/api/admin/support-access', 'GET');
    if (response.status < 200 || response.status >= 300) return { ok: false, problem: toProblem(response.status, response.body, response.headers) };
    const body = typeof response.body === 'string' ? (JSON.parse(response.body) as unknown) : response.body;
    const entries = body && typeof body === 'object' && Array.isArray((body as { entries?: unknown }).entries) ? (body as { entries: unknown[] }).entries : [];
    return { ok: true, entries: entries.map(asEntry).filter((e): e is SupportAccessEntry => e !== null) };
  } catch (error) {
    return { ok: false, problem: { status: 0, code: 'network', title: '', detail: `Could not reach the Estimo service: ${error instanceof Error ? error.message : String(error)}` } };
  }
};
