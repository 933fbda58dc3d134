import { describe, expect, it, vi } from 'vitest';
import { FakePlatform, json } from '../test/fakePlatform';
import { someView } from '../test/fixtures';
import { SessionClient } from './client';
import { startLongPoll } from './poll';
import type { Problem, SessionView } from './types';

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('startLongPoll', () => {
  it('asks again after 204, delivers newer views and moves `since` forward', async () => {
    const platform = new FakePlatform();
    const answers = [{ status: 204, headers: {}, body: '' }, json(200, someView({ version: 4 })), { status: 204, headers: {}, body: '' }];
    let stop = () => {};
    platform.remoteHandler = () => {
      const next = answers.shift();
      if (!next) {
        stop();
        return { status: 204, headers: {}, body: '' };
      }
      return next;
    };
    const views: SessionView[] = [];
    const handle = startLongPoll(platform, new SessionClient(platform), 'sess-1', 3, { onView: (v) => views.push(v), onProblem: vi.fn() });
    stop = handle.stop;
    await flush();
    expect(views.map((v) => v.version)).toEqual([4]);
    expect(platform.calls.map((c) => c.path)).toEqual([
      '/api/sessions/sess-1?since=3',
      '/api/sessions/sess-1?since=3',
      '/api/sessions/sess-1?since=4',
      '/api/sessions/sess-1?since=4',
    ]);
    expect(platform.sleeps).toEqual([]);
  });

  it('backs off exponentially on errors and says when it recovered', async () => {
    const platform = new FakePlatform();
    let calls = 0;
    let stop = () => {};
    platform.remoteHandler = () => {
      calls++;
      if (calls <= 3) return json(503, { code: 'unavailable', detail: 'busy' });
      if (calls === 4) return json(200, someView({ version: 5 }));
      stop();
      return { status: 204, headers: {}, body: '' };
    };
    const problems: Problem[] = [];
    const recovered = vi.fn();
    const handle = startLongPoll(
      platform,
      new SessionClient(platform),
      'sess-1',
      1,
      { onView: vi.fn(), onProblem: (p) => problems.push(p), onRecovered: recovered },
      { initialBackoffMs: 500, maxBackoffMs: 1500 },
    );
    stop = handle.stop;
    await flush();
    expect(problems).toHaveLength(3);
    expect(platform.sleeps).toEqual([500, 1000, 1500]);
    expect(recovered).toHaveBeenCalledTimes(1);
  });

  it('stops for good when the caller is not joined', async () => {
    const platform = new FakePlatform();
    platform.remoteHandler = () => json(403, { code: 'not_joined', detail: 'Join first.' });
    const onProblem = vi.fn();
    startLongPoll(platform, new SessionClient(platform), 'sess-1', 1, { onView: vi.fn(), onProblem });
    await flush();
    expect(platform.calls).toHaveLength(1);
    expect(onProblem).toHaveBeenCalledWith(expect.objectContaining({ code: 'not_joined' }));
  });

  it('makes no further request after stop (unmount)', async () => {
    const platform = new FakePlatform();
    let release: (() => void) | undefined;
    platform.remoteHandler = () =>
      new Promise((resolve) => {
        release = () => resolve({ status: 204, headers: {}, body: '' });
      });
    const handle = startLongPoll(platform, new SessionClient(platform), 'sess-1', 1, { onView: vi.fn(), onProblem: vi.fn() });
    await flush();
    handle.stop();
    release?.();
    await flush();
    expect(platform.calls).toHaveLength(1);
  });
});
