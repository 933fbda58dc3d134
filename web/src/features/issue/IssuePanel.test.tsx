import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { FakePlatform, json, someContext } from '../../test/fakePlatform';
import { someIssue, someView } from '../../test/fixtures';
import { App } from '../App';
import { createServices } from '../services';

const record = {
  sessionId: 'sess-0',
  finalLabel: '8',
  finalValue: 8,
  distribution: [
    { label: '5', count: 1 },
    { label: '8', count: 2 },
  ],
  roundCount: 2,
  participantAccountIds: ['acc-me', 'acc-ana'],
  estimatedAt: '2026-11-20T10:00:00Z',
};

const setup = (editable: boolean) => {
  const platform = new FakePlatform();
  platform.jiraHandler = ({ path }) => {
    if (path === '/rest/api/3/issue/10001/properties/estimo.estimations') return json(200, { key: 'estimo.estimations', value: { records: [record] } });
    if (path.startsWith('/rest/api/3/user/bulk')) return json(200, { values: [{ accountId: 'acc-me', displayName: 'Mia Me' }, { accountId: 'acc-ana', displayName: 'Ana Other' }] });
    if (path.startsWith('/rest/agile/1.0/board?')) return json(200, { values: [{ id: 1, name: 'EST board', type: 'scrum' }], isLast: true });
    if (path === '/rest/agile/1.0/board/1/configuration') return json(200, { estimation: { type: 'field', field: { fieldId: 'customfield_10016', displayName: 'Story Points' } } });
    if (path === '/rest/api/3/field') return json(200, [{ id: 'customfield_10016', name: 'Story Points', custom: true, schema: { type: 'number' } }]);
    if (path.startsWith('/rest/api/3/mypermissions')) return json(200, { permissions: { EDIT_ISSUES: { havePermission: editable } } });
    if (path.includes('expand=editmeta')) return json(200, { id: '10001', key: 'EST-1', fields: { project: { key: 'EST' } }, editmeta: { fields: editable ? { customfield_10016: { name: 'Story Points', operations: ['set'] } } : {} } });
    if (path.startsWith('/rest/api/3/issue/10001')) return json(200, { id: '10001', key: 'EST-1', fields: { summary: 'Login page', project: { key: 'EST' }, status: { name: 'To Do' }, issuetype: { name: 'Story' } } });
    return json(404, {});
  };
  platform.invokeHandler = () => ({ status: 201, headers: {}, body: someView({ issues: [someIssue()] }) });
  platform.remoteHandler = () => new Promise(() => {});
  const context = someContext({ moduleKey: 'estimo-issue-panel', issueId: '10001', issueKey: 'EST-1', projectKey: undefined });
  render(<App services={createServices(platform, context, null)} />);
  return platform;
};

afterEach(cleanup);

describe('issue panel', () => {
  it('shows the estimation history with names resolved from Jira', async () => {
    setup(true);
    expect(screen.getByRole('heading', { name: 'Estimation history' })).toBeTruthy();
    await screen.findByText('Mia Me, Ana Other');
    expect(screen.getByText('5 ×1, 8 ×2')).toBeTruthy();
    expect(screen.getByRole('cell', { name: '8' })).toBeTruthy();
    // The remote writes the number of rounds as roundCount (Estimo.Core EstimationRecord).
    expect(screen.getByRole('cell', { name: '2' })).toBeTruthy();
  });

  it('creates a single-issue session and opens the room', async () => {
    const platform = setup(true);
    fireEvent.click(screen.getByRole('button', { name: 'Estimate this issue' }));
    expect(await screen.findByRole('button', { name: 'Vote 5' })).toBeTruthy();
    expect(platform.callsTo('invoke')[0]?.body).toMatchObject({
      projectKey: 'EST',
      source: { kind: 'issue' },
      issues: [{ id: '10001', key: 'EST-1' }],
      estimationFieldId: 'customfield_10016',
    });
  });

  it('explains why the issue cannot be estimated instead of creating a session', async () => {
    const platform = setup(false);
    fireEvent.click(screen.getByRole('button', { name: 'Estimate this issue' }));
    await screen.findByText("You don't have permission to edit EST-1 in Jira.");
    await waitFor(() => expect(screen.getByText('EST-1 cannot be estimated yet.')).toBeTruthy());
    expect(platform.callsTo('invoke')).toHaveLength(0);
  });
});
