// The admin page's data section with a fake host: the summary, the typed confirmation, and
// what is sent (and not sent) to the remote.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { FakePlatform, someContext } from '../../test/fakePlatform';
import { AdminDataClient, type DataSummary } from '../../remote/admin';
import { App } from '../App';
import { createServices } from '../services';
import { DataSection } from './DataSection';

const summary = (sessions: number, accounts: number): DataSummary => ({
  sessions,
  storedAccountIds: accounts,
  oldestData: sessions ? '2026-11-01T10:00:00Z' : null,
  lastPersonalDataReport: null,
  lastDeletedAt: null,
  siteName: 'acme.atlassian.net',
});

const adminHost = () => {
  const platform = new FakePlatform();
  let stored = summary(3, 5);
  platform.invokeHandler = (call) => {
    if (call.path === '/api/admin/data' && call.method === 'GET') return { status: 200, headers: {}, body: stored };
    if (call.path === '/api/admin/data/delete') {
      const confirm = (call.body as { confirm?: string }).confirm;
      if (confirm?.toLowerCase() !== 'acme.atlassian.net') return { status: 400, headers: {}, body: { code: 'confirmation_required', detail: 'Type the site name.' } };
      stored = { ...summary(0, 0), lastDeletedAt: '2026-11-29T03:00:00Z' };
      return { status: 200, headers: {}, body: { sessionsDeleted: 3, accountIdsDeleted: 5, systemTokensDeleted: 1, dataKeysDestroyed: 1, nothingWasStored: false } };
    }
    return { status: 404, headers: {}, body: { code: 'not_found', detail: call.path } };
  };
  return platform;
};

afterEach(cleanup);

describe('DataSection', () => {
  it('shows what is stored for the site', async () => {
    render(<DataSection client={new AdminDataClient(adminHost())} />);

    expect(await screen.findByText('3')).toBeTruthy();
    expect(screen.getByText('5')).toBeTruthy();
    expect(screen.getByText('not yet')).toBeTruthy();
  });

  it('enables "Delete now" only once the site name is typed, then deletes and shows the empty summary', async () => {
    const platform = adminHost();
    render(<DataSection client={new AdminDataClient(platform)} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete all Estimo data now…' }));

    const deleteButton = screen.getByRole('button', { name: 'Delete now' }) as HTMLButtonElement;
    const input = screen.getByRole('textbox', { name: /Type acme.atlassian.net to confirm/ });
    expect(screen.getByRole('dialog', { name: "Delete all of this site's Estimo data?" })).toBeTruthy();
    expect(deleteButton.disabled).toBe(true);
    fireEvent.input(input, { target: { value: 'acme' } });
    expect(deleteButton.disabled).toBe(true);
    expect(platform.callsTo('invoke').filter((c) => c.path === '/api/admin/data/delete')).toHaveLength(0);

    fireEvent.input(input, { target: { value: ' ACME.atlassian.net ' } });
    expect(deleteButton.disabled).toBe(false);
    fireEvent.click(deleteButton);

    expect((await screen.findByRole('status')).textContent).toContain('Deleted: 3 session(s) and 5 stored account id(s)');
    await waitFor(() => expect(screen.getAllByText('0')).toHaveLength(2));
    const deletes = platform.callsTo('invoke').filter((c) => c.path === '/api/admin/data/delete');
    expect(deletes).toEqual([{ channel: 'invoke', path: '/api/admin/data/delete', method: 'POST', body: { confirm: 'ACME.atlassian.net' } }]);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('cancel closes the confirmation without deleting', async () => {
    const platform = adminHost();
    render(<DataSection client={new AdminDataClient(platform)} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete all Estimo data now…' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));

    expect(screen.queryByRole('dialog')).toBeNull();
    expect(platform.callsTo('invoke').map((c) => c.path)).toEqual(['/api/admin/data']);
  });

  it('a non-admin sees the remote refusal, not the data', async () => {
    const platform = new FakePlatform();
    platform.invokeHandler = () => ({ status: 403, headers: {}, body: { code: 'not_site_admin', detail: 'Only a Jira site admin can do this.' } });
    render(<DataSection client={new AdminDataClient(platform)} />);

    expect((await screen.findByRole('alert')).textContent).toContain('Only a Jira site admin can do this.');
    expect(screen.queryByRole('button', { name: 'Delete all Estimo data now…' })).toBeNull();
  });

  it('the app renders the admin page in the admin module', async () => {
    const platform = adminHost();
    platform.context = someContext({ moduleKey: 'estimo-admin-page', projectKey: undefined });
    render(<App services={createServices(platform, platform.context, null)} />);

    expect(await screen.findByRole('heading', { name: 'Data & privacy' })).toBeTruthy();
  });
});
