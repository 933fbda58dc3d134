// Jira REST over the bridge, as the current user, with Jira's verdict mapped to typed
// results. Jira's own messages are kept verbatim so the UI can show them as they are.
import type { JiraRequestInit, Platform, PlatformResponse } from '../platform/types';

export type JiraError =
  | { kind: 'forbidden'; status: number; message: string }
  | { kind: 'fieldErrors'; status: 400; message: string; fieldErrors: Record<string, string> }
  | { kind: 'badRequest'; status: 400; message: string }
  | { kind: 'notFound'; status: 404; message: string }
  | { kind: 'rateLimited'; status: 429; message: string; retryAfterSeconds: number | null }
  | { kind: 'unavailable'; status: number; message: string };

export type JiraResult<T> = { ok: true; value: T } | { ok: false; error: JiraError };

export interface RetryPolicy {
  /** Total attempts including the first one. */
  maxAttempts: number;
  baseDelayMs: number;
  /** Retry-After larger than this is not waited for; the user gets a message instead. */
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000 };

interface JiraErrorBody {
  errorMessages?: unknown;
  errors?: unknown;
  message?: unknown;
}

const parseJson = (text: string): unknown => {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

/** Retry-After is either delta-seconds or an HTTP date. */
export const parseRetryAfter = (value: string | undefined, now: number = Date.now()): number | null => {
  if (!value) return null;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
};

const messagesOf = (body: JiraErrorBody | undefined): { text: string; fieldErrors: Record<string, string> } => {
  const fieldErrors: Record<string, string> = {};
  const parts: string[] = [];
  if (body && Array.isArray(body.errorMessages)) {
    for (const message of body.errorMessages) if (typeof message === 'string' && message) parts.push(message);
  }
  if (body && body.errors && typeof body.errors === 'object') {
    for (const [field, message] of Object.entries(body.errors as Record<string, unknown>)) {
      if (typeof message === 'string') {
        fieldErrors[field] = message;
        parts.push(message);
      }
    }
  }
  if (body && typeof body.message === 'string' && body.message) parts.push(body.message);
  return { text: parts.join(' '), fieldErrors };
};

export const toJiraError = (response: PlatformResponse): JiraError => {
  const { text, fieldErrors } = messagesOf(parseJson(response.body) as JiraErrorBody | undefined);
  const status = response.status;
  if (status === 401 || status === 403) {
    return { kind: 'forbidden', status, message: text || 'You do not have permission to do this in Jira.' };
  }
  if (status === 400) {
    return Object.keys(fieldErrors).length > 0
      ? { kind: 'fieldErrors', status, message: text, fieldErrors }
      : { kind: 'badRequest', status, message: text || 'Jira rejected the request.' };
  }
  if (status === 404) return { kind: 'notFound', status, message: text || 'Jira could not find it; it may have been deleted.' };
  if (status === 429) {
    return {
      kind: 'rateLimited',
      status,
      message: 'Jira is rate limiting requests right now. Please wait a moment and try again.',
      retryAfterSeconds: parseRetryAfter(response.headers['retry-after']),
    };
  }
  return { kind: 'unavailable', status, message: text || `Jira answered ${status}. Please try again.` };
};

/**
 * Sends one Jira request; 429 is retried with exponential backoff, waiting at least
 * Retry-After, up to `maxAttempts`. Any other failure is returned at once.
 */
export const jiraRequest = async (
  platform: Platform,
  path: string,
  init: JiraRequestInit = {},
  policy: RetryPolicy = defaultRetryPolicy,
): Promise<JiraResult<PlatformResponse>> => {
  for (let attempt = 1; ; attempt++) {
    let response: PlatformResponse;
    try {
      response = await platform.requestJira(path, init);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return { ok: false, error: { kind: 'unavailable', status: 0, message: `Could not reach Jira: ${detail}` } };
    }
    if (response.status >= 200 && response.status < 300) return { ok: true, value: response };
    const error = toJiraError(response);
    if (error.kind !== 'rateLimited' || attempt >= policy.maxAttempts) return { ok: false, error };
    const backoff = policy.baseDelayMs * 2 ** (attempt - 1);
    const requested = error.retryAfterSeconds === null ? 0 : error.retryAfterSeconds * 1000;
    if (requested > policy.maxDelayMs) return { ok: false, error };
    await platform.sleep(Math.max(backoff, requested));
  }
};

/** Like jiraRequest, parsing the JSON body (undefined for 204). */
export const jiraJson = async <T>(
  platform: Platform,
  path: string,
  init?: JiraRequestInit,
  policy?: RetryPolicy,
): Promise<JiraResult<T>> => {
  const result = await jiraRequest(platform, path, init, policy);
  if (!result.ok) return result;
  return { ok: true, value: parseJson(result.value.body) as T };
};
