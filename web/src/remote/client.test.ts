import { describe, expect, it } from 'vitest';
import { FakePlatform, json } from '../test/fakePlatform';
import { someView } from '../test/fixtures';
import { SessionClient, toProblem } from './client';
import type { CreateSessionRequest } from './types';

const request: CreateSessionRequest = {
  projectKey: 'EST',
  boardId: 1,
  source: { kind: 'backlog' },
  issues: [{ id: '10001', key: 'EST-1' }],
  deckId: 'fibonacci',
  estimationFieldId: 'customfield_10016',
  mode: 'live',
  autoReveal: true,
  delegateAccountIds: [],
};

describe('SessionClient', () => {
  it('creates a session through the invoke path with the request as body', async () => {
    const platform = new FakePlatform();
    platform.invokeHandler = () => ({ status: 201, headers: { location: '/api/sessions/sess-1' }, body: someView() });
    const result = await new SessionClient(platform).create(request);
    expect(result).toEqual({ ok: true, value: someView() });
    expect(platform.calls).toEqual([{ channel: 'invoke', path: '/api/sessions', method: 'POST', body: request }]);
  });

  it('joins through the invoke path with the role', async () => {
    const platform = new FakePlatform();
    platform.invokeHandler = () => ({ status: 200, headers: {}, body: someView() });
    await new SessionClient(platform).join('sess 1', 'observer');
    expect(platform.calls[0]).toEqual({ channel: 'invoke', path: '/api/sessions/sess%201/join', method: 'POST', body: { role: 'observer' } });
  });

  it('lists active sessions of the project directly', async () => {
    const platform = new FakePlatform();
    platform.remoteHandler = () => json(200, { sessions: [{ id: 's' }] });
    const result = await new SessionClient(platform).listActive('EST');
    expect(result.ok && result.value).toEqual([{ id: 's' }]);
    expect(platform.calls[0]).toMatchObject({ channel: 'remote', path: '/api/sessions?projectKey=EST&status=active', method: 'GET' });
  });

  it('long-polls with since and reads 204 as "no change"', async () => {
    const platform = new FakePlatform();
    platform.remoteHandler = () => ({ status: 204, headers: {}, body: '' });
    const result = await new SessionClient(platform).get('sess-1', 7);
    expect(result).toEqual({ ok: true, value: null });
    expect(platform.calls[0]).toMatchObject({ channel: 'remote', path: '/api/sessions/sess-1?since=7', method: 'GET' });
  });

  it('sends votes, retractions, actions, accept, delegates and leave on the direct path', async () => {
    const platform = new FakePlatform();
    platform.remoteHandler = (call) =>
      call.path.endsWith('/accept') ? json(200, { view: someView(), estimationRecord: { sessionId: 'sess-1' } }) : json(200, someView());
    const client = new SessionClient(platform);
    await client.vote('sess-1', '10001', '5');
    await client.retractVote('sess-1', '10001');
    await client.action('sess-1', 'startTimer', 4, { seconds: 60 });
    await client.accept('sess-1', '10001', '5', 5, 9);
    await client.setDelegates('sess-1', ['acc-b'], 3);
    await client.leave('sess-1');
    expect(platform.calls.map((c) => [c.channel, c.method, c.path, c.body])).toEqual([
      ['remote', 'POST', '/api/sessions/sess-1/votes', { issueId: '10001', label: '5' }],
      ['remote', 'DELETE', '/api/sessions/sess-1/votes/10001', undefined],
      ['remote', 'POST', '/api/sessions/sess-1/actions', { action: 'startTimer', expectedVersion: 4, seconds: 60 }],
      ['remote', 'POST', '/api/sessions/sess-1/accept', { issueId: '10001', label: '5', value: 5, expectedVersion: 9 }],
      ['remote', 'PUT', '/api/sessions/sess-1/delegates', { accountIds: ['acc-b'], expectedVersion: 3 }],
      ['remote', 'POST', '/api/sessions/sess-1/leave', undefined],
    ]);
  });

  it('returns the current view from a 409 conflict', async () => {
    const platform = new FakePlatform();
    const current = someView({ version: 12 });
    platform.remoteHandler = () =>
      json(409, { type: 'about:blank', title: 'Conflict', status: 409, code: 'conflict', detail: 'Version 7 is stale.', current });
    const result = await new SessionClient(platform).action('sess-1', 'reveal', 7);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem).toMatchObject({ status: 409, code: 'conflict', detail: 'Version 7 is stale.' });
    expect(result.problem.current?.version).toBe(12);
  });

  it('keeps problem details from the invoke path, including issueIds and Retry-After', async () => {
    const platform = new FakePlatform();
    platform.invokeHandler = () => ({
      status: 403,
      headers: { 'retry-after': '3' },
      body: { code: 'issues_not_visible', detail: 'You cannot see 2 issues.', issueIds: ['10001', 10002] },
    });
    const result = await new SessionClient(platform).create(request);
    expect(!result.ok && result.problem).toMatchObject({
      status: 403,
      code: 'issues_not_visible',
      detail: 'You cannot see 2 issues.',
      issueIds: ['10001', '10002'],
      retryAfterSeconds: 3,
    });
  });

  it('turns a thrown bridge error into a network problem', async () => {
    const platform = new FakePlatform();
    platform.remoteHandler = () => {
      throw new Error('offline');
    };
    const result = await new SessionClient(platform).vote('s', 'i', '5');
    expect(!result.ok && result.problem.code).toBe('network');
  });
});

describe('toProblem', () => {
  it('falls back to a readable detail when the body is not problem+json', () => {
    expect(toProblem(404, '<html>nope</html>')).toMatchObject({ status: 404, code: 'http_404', detail: 'This session no longer exists.' });
    expect(toProblem(409, '')).toMatchObject({ code: 'conflict' });
  });

  it('parses validation errors', () => {
    const problem = toProblem(400, JSON.stringify({ code: 'validation', title: 'Invalid', errors: { issues: ['Too many.'] } }));
    expect(problem).toMatchObject({ code: 'validation', detail: 'Invalid', errors: { issues: ['Too many.'] } });
  });
});
