// The long-poll loop: GET /api/sessions/{id}?since=v. 204 means "no change" and we ask
// again at once; errors back off exponentially. Polling is also the presence heartbeat.
import type { Platform } from '../platform/types';
import type { SessionClient } from './client';
import type { Problem, SessionView } from './types';

export interface PollHandlers {
  onView(view: SessionView): void;
  onProblem(problem: Problem): void;
  /** Called once the loop recovers after errors. */
  onRecovered?(): void;
}

export interface PollOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Problems that no retry will fix: stop polling. */
const FATAL = new Set(['not_found', 'not_joined', 'forbidden']);

export interface PollHandle {
  stop(): void;
  /** Tell the loop a newer version was seen (e.g. after our own change). */
  advance(version: number): void;
}

export const startLongPoll = (
  platform: Platform,
  client: SessionClient,
  sessionId: string,
  fromVersion: number,
  handlers: PollHandlers,
  options: PollOptions = {},
): PollHandle => {
  const initialBackoff = options.initialBackoffMs ?? 1000;
  const maxBackoff = options.maxBackoffMs ?? 30_000;
  let stopped = false;
  let version = fromVersion;
  let backoff = initialBackoff;
  let failing = false;

  const loop = async () => {
    while (!stopped) {
      const result = await client.get(sessionId, version);
      if (stopped) return;
      if (result.ok) {
        if (failing) {
          failing = false;
          handlers.onRecovered?.();
        }
        backoff = initialBackoff;
        if (result.value && result.value.version > version) {
          version = result.value.version;
          handlers.onView(result.value);
        } else if (result.value) {
          // A 200 that is not newer should not happen; never spin on it.
          await platform.sleep(initialBackoff);
        }
        continue;
      }
      handlers.onProblem(result.problem);
      if (FATAL.has(result.problem.code) || result.problem.status === 404) return;
      failing = true;
      const wait = Math.max(backoff, (result.problem.retryAfterSeconds ?? 0) * 1000);
      backoff = Math.min(backoff * 2, maxBackoff);
      await platform.sleep(wait);
    }
  };
  void loop();

  return {
    stop: () => {
      stopped = true;
    },
    advance: (v) => {
      if (v > version) version = v;
    },
  };
};
