// The session API client, exactly per docs/api.md: create and join go through the invoke
// path (the remote asks Jira as the user); everything else goes direct.
import type { HttpMethod, Platform } from '../platform/types';
import { parseRetryAfter } from '../jira/http';
import type {
  AcceptResult,
  CreateSessionRequest,
  FacilitatorAction,
  ParticipantRole,
  Problem,
  RemoteResult,
  SessionSummary,
  SessionView,
} from './types';

const parseBody = (body: unknown): unknown => {
  if (typeof body !== 'string') return body;
  if (!body) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
};

const FALLBACK_DETAIL: Record<number, string> = {
  401: 'Your Jira session has expired. Reload the page and try again.',
  403: 'You are not allowed to do this.',
  404: 'This session no longer exists.',
  409: 'Someone else changed the session first.',
  429: 'Too many requests right now. Please wait a moment.',
};

/** Turns any non-2xx answer into a Problem, tolerating bodies that are not problem+json. */
export const toProblem = (status: number, rawBody: unknown, headers: Record<string, string> = {}): Problem => {
  const body = parseBody(rawBody);
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const str = (key: string) => (typeof record[key] === 'string' ? (record[key] as string) : undefined);
  const problem: Problem = {
    status,
    code: str('code') ?? (status === 409 ? 'conflict' : `http_${status}`),
    title: str('title') ?? '',
    detail: str('detail') ?? str('title') ?? FALLBACK_DETAIL[status] ?? `The Estimo service answered ${status}.`,
  };
  if (record['errors'] && typeof record['errors'] === 'object') problem.errors = record['errors'] as Record<string, string[]>;
  if (Array.isArray(record['issueIds'])) problem.issueIds = (record['issueIds'] as unknown[]).map(String);
  if (record['current'] && typeof record['current'] === 'object') problem.current = record['current'] as SessionView;
  const retryAfter = parseRetryAfter(headers['retry-after']);
  if (retryAfter !== null) problem.retryAfterSeconds = retryAfter;
  return problem;
};

const networkProblem = (error: unknown): Problem => ({
  status: 0,
  code: 'network',
  title: '',
  detail: `Could not reach the Estimo service: ${error instanceof Error ? error.message : String(error)}`,
});

const enc = encodeURIComponent;

export class SessionClient {
  constructor(private readonly platform: Platform) {}

  private async direct<T>(path: string, method: HttpMethod, body?: unknown): Promise<RemoteResult<T | undefined>> {
    try {
      const response = await this.platform.requestRemote(path, method, body);
      if (response.status >= 200 && response.status < 300) {
        return { ok: true, value: parseBody(response.body) as T | undefined };
      }
      return { ok: false, problem: toProblem(response.status, response.body, response.headers) };
    } catch (error) {
      return { ok: false, problem: networkProblem(error) };
    }
  }

  private async directRequired<T>(path: string, method: HttpMethod, body?: unknown): Promise<RemoteResult<T>> {
    const result = await this.direct<T>(path, method, body);
    if (result.ok && result.value === undefined) {
      return { ok: false, problem: { status: 0, code: 'empty_response', title: '', detail: 'The Estimo service sent an empty answer.' } };
    }
    return result as RemoteResult<T>;
  }

  private async invoke<T>(path: string, method: HttpMethod, body: unknown): Promise<RemoteResult<T>> {
    try {
      const response = await this.platform.invokeRemote(path, method, body);
      if (response.status >= 200 && response.status < 300) return { ok: true, value: parseBody(response.body) as T };
      return { ok: false, problem: toProblem(response.status, response.body, response.headers) };
    } catch (error) {
      return { ok: false, problem: networkProblem(error) };
    }
  }

  create(request: CreateSessionRequest) {
    return this.invoke<SessionView>('/api/sessions', 'POST', request);
  }

  join(sessionId: string, role: ParticipantRole) {
    return this.invoke<SessionView>(`/api/sessions/${enc(sessionId)}/join`, 'POST', { role });
  }

  async listActive(projectKey: string): Promise<RemoteResult<SessionSummary[]>> {
    const result = await this.directRequired<{ sessions?: SessionSummary[] }>(
      `/api/sessions?projectKey=${enc(projectKey)}&status=active`,
      'GET',
    );
    return result.ok ? { ok: true, value: result.value.sessions ?? [] } : result;
  }

  /** Without `since`: the view now. With `since`: a long poll; `null` means 204 (no change). */
  async get(sessionId: string, since?: number): Promise<RemoteResult<SessionView | null>> {
    const query = since === undefined ? '' : `?since=${since}`;
    const result = await this.direct<SessionView>(`/api/sessions/${enc(sessionId)}${query}`, 'GET');
    return result.ok ? { ok: true, value: result.value ?? null } : result;
  }

  vote(sessionId: string, issueId: string, label: string) {
    return this.directRequired<SessionView>(`/api/sessions/${enc(sessionId)}/votes`, 'POST', { issueId, label });
  }

  retractVote(sessionId: string, issueId: string) {
    return this.directRequired<SessionView>(`/api/sessions/${enc(sessionId)}/votes/${enc(issueId)}`, 'DELETE');
  }

  action(
    sessionId: string,
    action: FacilitatorAction,
    expectedVersion: number,
    extra: { index?: number; seconds?: number } = {},
  ) {
    return this.directRequired<SessionView>(`/api/sessions/${enc(sessionId)}/actions`, 'POST', {
      action,
      expectedVersion,
      ...extra,
    });
  }

  accept(sessionId: string, issueId: string, label: string, value: number | null, expectedVersion: number) {
    return this.directRequired<AcceptResult>(`/api/sessions/${enc(sessionId)}/accept`, 'POST', {
      issueId,
      label,
      value,
      expectedVersion,
    });
  }

  setDelegates(sessionId: string, accountIds: string[], expectedVersion: number) {
    return this.directRequired<SessionView>(`/api/sessions/${enc(sessionId)}/delegates`, 'PUT', {
      accountIds,
      expectedVersion,
    });
  }

  async leave(sessionId: string): Promise<RemoteResult<void>> {
    const result = await this.direct<unknown>(`/api/sessions/${enc(sessionId)}/leave`, 'POST');
    return result.ok ? { ok: true, value: undefined } : result;
  }
}
