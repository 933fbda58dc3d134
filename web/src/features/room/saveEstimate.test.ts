import { describe, expect, it } from 'vitest';
import { JiraApi } from '../../jira/api';
import { SessionClient } from '../../remote/client';
import { FakePlatform, json } from '../../test/fakePlatform';
import { someView } from '../../test/fixtures';
import { saveEstimate } from './saveEstimate';

const record = {
  sessionId: 'sess-1',
  finalLabel: '5',
  finalValue: 5,
  distribution: [{ label: '5', count: 2 }],
  roundCount: 1,
  participantAccountIds: ['acc-me', 'acc-ana'],
  estimatedAt: '2026-11-28T10:00:00Z',
};

const setup = (jira: (path: string, method: string) => ReturnType<typeof json>) => {
  const platform = new FakePlatform();
  platform.jiraHandler = (call) => jira(call.path, call.method);
  platform.remoteHandler = () => json(200, { view: someView({ version: 10 }), estimationRecord: record });
  return { platform, run: () => saveEstimate(new JiraApi(platform), new SessionClient(platform), someView({ version: 9 }), { issueId: '10001', issueKey: 'EST-1' }, { label: '5', value: 5 }) };
};

describe('saveEstimate', () => {
  it('writes the field, then accepts, then appends the record to the issue property', async () => {
    const { platform, run } = setup((_path, method) =>
      method === 'PUT' ? { status: 204, headers: {}, body: '' } : json(200, { key: 'estimo.estimations', value: { records: [] } }),
    );
    const outcome = await run();
    expect(outcome).toMatchObject({ kind: 'saved', message: 'Saved 5 to EST-1.', warning: null });
    expect(platform.calls.map((c) => [c.channel, c.method, c.path, c.body])).toEqual([
      ['jira', 'PUT', '/rest/api/3/issue/10001', { fields: { customfield_10016: 5 } }],
      ['remote', 'POST', '/api/sessions/sess-1/accept', { issueId: '10001', label: '5', value: 5, expectedVersion: 9 }],
      ['jira', 'GET', '/rest/api/3/issue/10001/properties/estimo.estimations', undefined],
      ['jira', 'PUT', '/rest/api/3/issue/10001/properties/estimo.estimations', { records: [record] }],
    ]);
  });

  it("shows Jira's permission verdict and does not accept", async () => {
    const { platform, run } = setup(() => json(403, { errorMessages: ['You do not have permission to edit issues in this project.'] }));
    const outcome = await run();
    expect(outcome.kind).toBe('failed');
    expect(outcome.kind === 'failed' && outcome.message).toContain("You don't have permission to edit EST-1 in Jira.");
    expect(platform.callsTo('remote')).toHaveLength(0);
  });

  it('explains a field that is not on the screen', async () => {
    const { run } = setup(() =>
      json(400, { errors: { customfield_10016: "Field 'customfield_10016' cannot be set. It is not on the appropriate screen, or unknown." } }),
    );
    const outcome = await run();
    expect(outcome.kind === 'failed' && outcome.message).toContain('It is not on the appropriate screen');
  });

  it('says when the issue was deleted', async () => {
    const { run } = setup(() => json(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'] }));
    const outcome = await run();
    expect(outcome.kind === 'failed' && outcome.message).toBe('EST-1 no longer exists in Jira (it may have been deleted or moved).');
  });

  it('retries a rate-limited save, then says when to try again', async () => {
    const { platform, run } = setup(() => json(429, {}, { 'retry-after': '2' }));
    const outcome = await run();
    expect(platform.callsTo('jira')).toHaveLength(4);
    expect(platform.sleeps).toEqual([2000, 2000, 4000]);
    expect(outcome).toMatchObject({ kind: 'failed', retryAfterSeconds: 2 });
    expect(outcome.kind === 'failed' && outcome.message).toBe('Jira is rate limiting requests, so EST-1 was not saved. Try again in 2 seconds.');
    expect(platform.callsTo('remote')).toHaveLength(0);
  });

  it('hands back the current view on a 409 from accept', async () => {
    const { platform, run } = setup((_, method) => (method === 'PUT' ? { status: 204, headers: {}, body: '' } : json(200, {})));
    platform.remoteHandler = () => json(409, { code: 'conflict', detail: 'stale', current: someView({ version: 11 }) });
    const outcome = await run();
    expect(outcome.kind).toBe('failed');
    expect(outcome.kind === 'failed' && outcome.view?.version).toBe(11);
    expect(outcome.kind === 'failed' && outcome.message).toContain('saved in Jira');
  });

  it('refuses non-numeric cards without calling Jira', async () => {
    const platform = new FakePlatform();
    const outcome = await saveEstimate(new JiraApi(platform), new SessionClient(platform), someView(), { issueId: '1', issueKey: 'EST-1' }, { label: '?', value: null });
    expect(outcome.kind).toBe('failed');
    expect(platform.calls).toHaveLength(0);
  });
});
