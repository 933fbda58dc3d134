import { describe, expect, it } from 'vitest';
import { FakePlatform, json } from '../test/fakePlatform';
import { JiraApi } from './api';

describe('JiraApi', () => {
  it('pages the enhanced JQL search with nextPageToken until isLast', async () => {
    const platform = new FakePlatform();
    platform.jiraHandler = (call) => {
      const body = call.body as { nextPageToken?: string };
      return body.nextPageToken
        ? json(200, { issues: [{ id: '2', key: 'EST-2', fields: { summary: 'B' } }], isLast: true })
        : json(200, { issues: [{ id: '1', key: 'EST-1', fields: { summary: 'A', status: { name: 'To Do' }, issuetype: { name: 'Story' } } }], nextPageToken: 't2', isLast: false });
    };
    const result = await new JiraApi(platform).searchJql('project = EST');
    expect(result.ok && result.value.map((i) => i.key)).toEqual(['EST-1', 'EST-2']);
    expect(platform.calls.map((c) => [c.method, c.path, c.body])).toEqual([
      ['POST', '/rest/api/3/search/jql', { jql: 'project = EST', fields: ['summary', 'status', 'issuetype'], maxResults: 100 }],
      ['POST', '/rest/api/3/search/jql', { jql: 'project = EST', fields: ['summary', 'status', 'issuetype'], maxResults: 100, nextPageToken: 't2' }],
    ]);
  });

  it('asks for users in bulk by accountId and keeps the 48px avatar', async () => {
    const platform = new FakePlatform();
    platform.jiraHandler = () => json(200, { values: [{ accountId: 'a', displayName: 'Ana', avatarUrls: { '48x48': 'https://x/a.png' } }] });
    const result = await new JiraApi(platform).usersBulk(['a', 'b']);
    expect(platform.calls[0]?.path).toBe('/rest/api/3/user/bulk?maxResults=50&accountId=a&accountId=b');
    expect(result.ok && result.value).toEqual([{ accountId: 'a', displayName: 'Ana', avatarUrl: 'https://x/a.png' }]);
  });

  it('reads the board estimation field', async () => {
    const platform = new FakePlatform();
    platform.jiraHandler = () => json(200, { estimation: { type: 'field', field: { fieldId: 'customfield_10016', displayName: 'Story Points' } } });
    const result = await new JiraApi(platform).boardEstimation(3);
    expect(platform.calls[0]?.path).toBe('/rest/agile/1.0/board/3/configuration');
    expect(result.ok && result.value).toEqual({ fieldId: 'customfield_10016', fieldName: 'Story Points' });
  });

  it('edits the estimation field with PUT /issue and treats a missing property as empty', async () => {
    const platform = new FakePlatform();
    platform.jiraHandler = (call) => (call.method === 'PUT' ? { status: 204, headers: {}, body: '' } : json(404, { errorMessages: ['The property was not found.'] }));
    const api = new JiraApi(platform);
    expect((await api.setEstimate('EST-3', 'customfield_10016', 5)).ok).toBe(true);
    expect(await api.getProperty('EST-3', 'estimo.estimations')).toEqual({ ok: true, value: null });
    expect(platform.calls.map((c) => [c.method, c.path, c.body])).toEqual([
      ['PUT', '/rest/api/3/issue/EST-3', { fields: { customfield_10016: 5 } }],
      ['GET', '/rest/api/3/issue/EST-3/properties/estimo.estimations', undefined],
    ]);
  });

  it('reads editmeta for the field', async () => {
    const platform = new FakePlatform();
    platform.jiraHandler = () =>
      json(200, { id: '10001', key: 'EST-1', fields: { project: { key: 'EST' } }, editmeta: { fields: { customfield_10016: { name: 'Story Points', required: false, operations: ['set'] } } } });
    const result = await new JiraApi(platform).editMeta('10001', 'customfield_10016');
    expect(platform.calls[0]?.path).toBe('/rest/api/3/issue/10001?expand=editmeta&fields=project,customfield_10016');
    expect(result.ok && result.value.fields['customfield_10016']?.operations).toEqual(['set']);
  });
});
