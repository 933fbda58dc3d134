import { cleanup, render, screen, within } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakePlatform, someContext } from '../../test/fakePlatform';
import { App } from '../App';
import { createServices } from '../services';
import { ADMIN_PAGE_MODULE } from '../../platform/types';

const adminApp = (platform: FakePlatform) => {
  platform.context = someContext({ moduleKey: ADMIN_PAGE_MODULE, projectKey: undefined, projectId: undefined });
  return render(<App services={createServices(platform, platform.context, null)} />);
};

afterEach(cleanup);

describe('SupportAccessSection', () => {
  it('lists each support access with when, operator, action, reason and ticket', async () => {
    const platform = new FakePlatform();
    platform.invokeHandler = (call) =>
      call.path === '/api/admin/support-access'
        ? {
            status: 200,
            headers: {},
            body: {
              entries: [
                { occurredAt: '2026-11-29T02:00:00Z', operatorId: 'op-7f3a12bc9d01', action: 'support.sessions.read', reason: 'Stuck session', ticket: 'SUP-42', what: 'listed 3 session(s): status and counts' },
                { occurredAt: '2026-11-29T01:59:00Z', operatorId: 'op-7f3a12bc9d01', action: 'grants.requested', reason: 'Stuck session', ticket: 'SUP-42', what: 'requested read access grant' },
              ],
            },
          }
        : { status: 404, headers: {}, body: {} };

    adminApp(platform);

    const table = await screen.findByRole('table', { name: /support accesses/i });
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(within(rows[1]!).getByRole('cell', { name: 'op-7f3a12bc9d01' })).toBeTruthy();
    expect(within(rows[1]!).getByRole('cell', { name: 'Data read' })).toBeTruthy();
    expect(within(rows[1]!).getByRole('cell', { name: 'SUP-42' })).toBeTruthy();
    expect(within(rows[2]!).getByRole('cell', { name: 'Access requested' })).toBeTruthy();
    // The page's other sections make their own calls; this section makes exactly one.
    expect(platform.calls.filter((c) => c.path === '/api/admin/support-access')).toEqual([
      { channel: 'invoke', path: '/api/admin/support-access', method: 'GET', body: undefined },
    ]);
  });

  it('says so when support never accessed the site', async () => {
    const platform = new FakePlatform();
    platform.invokeHandler = () => ({ status: 200, headers: {}, body: { entries: [] } });

    adminApp(platform);

    expect(await screen.findByText(/has not accessed this site's data/)).toBeTruthy();
  });

  it('tells a user who is not a site admin that only site admins can see it', async () => {
    const platform = new FakePlatform();
    platform.invokeHandler = () => ({ status: 403, headers: {}, body: { code: 'not_site_admin', detail: 'Only Jira site admins can see this.' } });

    adminApp(platform);

    // Every section says so in its own words; this one names support access.
    await vi.waitFor(() => expect(screen.getAllByRole('alert').map((a) => a.textContent)).toContain('Only Jira site admins can see support access.'));
    expect(screen.queryByRole('table')).toBeNull();
  });
});
