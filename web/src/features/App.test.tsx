// The vertical slice through the UI with a fake host: project page → new session →
// pre-flight → create → live room.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { FakePlatform, json, someContext } from '../test/fakePlatform';
import { someIssue, someView } from '../test/fixtures';
import { App } from './App';
import { createServices } from './services';
import type { AppHistory } from '../platform/types';

const jiraSite = (fieldOnScreen: boolean) => (path: string) => {
  if (path.startsWith('/rest/agile/1.0/board?')) return json(200, { values: [{ id: 1, name: 'EST board', type: 'scrum' }], isLast: true });
  if (path === '/rest/agile/1.0/board/1/configuration') return json(200, { estimation: { type: 'field', field: { fieldId: 'customfield_10016', displayName: 'Story Points' } } });
  if (path.startsWith('/rest/agile/1.0/board/1/sprint')) return json(200, { values: [{ id: 3, name: 'Sprint 3', state: 'active' }] });
  if (path.startsWith('/rest/agile/1.0/board/1/backlog')) {
    return json(200, {
      total: 2,
      issues: [
        { id: '10001', key: 'EST-1', fields: { summary: 'Login page', status: { name: 'To Do' }, issuetype: { name: 'Story' } } },
        { id: '10002', key: 'EST-2', fields: { summary: 'Logout', status: { name: 'To Do' }, issuetype: { name: 'Bug' } } },
      ],
    });
  }
  if (path === '/rest/api/3/field') return json(200, [{ id: 'customfield_10016', name: 'Story Points', custom: true, schema: { type: 'number' } }]);
  if (path.startsWith('/rest/api/3/mypermissions')) return json(200, { permissions: { EDIT_ISSUES: { havePermission: true } } });
  if (path.includes('expand=editmeta')) {
    const id = /issue\/(\d+)/.exec(path)?.[1] ?? '';
    const fields: Record<string, unknown> = { summary: { name: 'Summary', operations: ['set'] } };
    if (fieldOnScreen || id === '10001') fields['customfield_10016'] = { name: 'Story Points', operations: ['set'] };
    return json(200, { id, key: id === '10001' ? 'EST-1' : 'EST-2', fields: { project: { key: 'EST' } }, editmeta: { fields } });
  }
  if (path.startsWith('/rest/api/3/issue/')) return json(200, { id: '10001', key: 'EST-1', fields: { summary: 'Login page', status: { name: 'To Do' }, issuetype: { name: 'Story' } } });
  if (path.startsWith('/rest/api/3/user/bulk')) return json(200, { values: [{ accountId: 'acc-me', displayName: 'Mia Me' }] });
  return json(404, { errorMessages: [`unexpected ${path}`] });
};

const memoryHistory = (): AppHistory & { paths: string[] } => {
  const paths = ['/'];
  return {
    paths,
    pathname: () => paths[paths.length - 1] ?? '/',
    push: (path) => paths.push(path),
    listen: () => () => {},
  };
};

const setup = (fieldOnScreen: boolean) => {
  const platform = new FakePlatform();
  platform.jiraHandler = (call) => jiraSite(fieldOnScreen)(call.path);
  platform.remoteHandler = (call) => (call.path.startsWith('/api/sessions?') ? json(200, { sessions: [] }) : new Promise(() => {}));
  platform.invokeHandler = (call) => ({
    status: 201,
    headers: {},
    body: someView({ issues: ((call.body as { issues: Array<{ id: string; key: string }> }).issues).map((i) => someIssue({ issueId: i.id, issueKey: i.key })) }),
  });
  const history = memoryHistory();
  render(<App services={createServices(platform, someContext(), history)} />);
  return { platform, history };
};

const createFlow = async () => {
  expect(await screen.findByRole('heading', { name: 'Estimo planning poker · EST' })).toBeTruthy();
  fireEvent.click(await screen.findByRole('button', { name: 'New session' }));
  await waitFor(() => expect((screen.getByLabelText('Estimation field') as HTMLSelectElement).value).toBe('customfield_10016'));
  fireEvent.click(screen.getByRole('button', { name: 'Load issues' }));
  await screen.findByText('Loaded 2 issues.');
  fireEvent.click(screen.getByRole('button', { name: 'Start session' }));
};

afterEach(cleanup);

describe('project page', () => {
  it('creates a session after a clean pre-flight and opens the room', async () => {
    const { platform, history } = setup(true);
    await createFlow();
    expect(await screen.findByRole('button', { name: 'Vote 5' })).toBeTruthy();
    const create = platform.callsTo('invoke')[0];
    expect(create?.path).toBe('/api/sessions');
    expect(create?.body).toMatchObject({
      projectKey: 'EST',
      boardId: 1,
      source: { kind: 'backlog' },
      issues: [{ id: '10001', key: 'EST-1' }, { id: '10002', key: 'EST-2' }],
      deckId: 'fibonacci',
      estimationFieldId: 'customfield_10016',
      mode: 'live',
      autoReveal: true,
    });
    expect(history.paths).toContain('/session/sess-1');
  });

  it("shows Jira's own message for bad JQL", async () => {
    const { platform } = setup(true);
    const site = jiraSite(true);
    platform.jiraHandler = (call) =>
      call.path === '/rest/api/3/search/jql'
        ? json(400, { errorMessages: ["Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'stat'."] })
        : site(call.path);
    fireEvent.click(await screen.findByRole('button', { name: 'New session' }));
    fireEvent.click(screen.getByRole('radio', { name: 'JQL' }));
    fireEvent.input(screen.getByLabelText('JQL query'), { target: { value: 'project = EST stat = Open' } });
    fireEvent.click(screen.getByRole('button', { name: 'Load issues' }));
    expect(await screen.findByText("Jira could not run this JQL: Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'stat'.")).toBeTruthy();
  });

  it('blocks creation when the field is not on an edit screen, then allows leaving the issue out', async () => {
    const { platform } = setup(false);
    await createFlow();
    expect(await screen.findByText('The Story Points field is not on the edit screen of EST-2 (Bug).')).toBeTruthy();
    expect(screen.getByText(/Add the Story Points field to the Edit screen of project EST/)).toBeTruthy();
    expect(platform.callsTo('invoke')).toHaveLength(0);
    fireEvent.click(screen.getByLabelText(/Leave out the 1 affected issue/));
    fireEvent.click(screen.getByRole('button', { name: 'Start session' }));
    expect(await screen.findByRole('button', { name: 'Vote 5' })).toBeTruthy();
    expect((platform.callsTo('invoke')[0]?.body as { issues: unknown[] }).issues).toEqual([{ id: '10001', key: 'EST-1' }]);
  });
});
