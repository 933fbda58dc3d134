import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { FakePlatform, json } from '../../test/fakePlatform';
import { someIssue, someRound, someStatistics, someView } from '../../test/fixtures';
import type { SessionView } from '../../remote/types';
import { createServices, ServicesProvider } from '../services';
import { Room } from './Room';

const platformFor = () => {
  const platform = new FakePlatform();
  platform.jiraHandler = (call) => {
    if (call.path.startsWith('/rest/api/3/user/bulk')) {
      return json(200, { values: [{ accountId: 'acc-me', displayName: 'Mia Me' }, { accountId: 'acc-ana', displayName: 'Ana Other' }] });
    }
    if (call.path.startsWith('/rest/api/3/issue/')) {
      return json(200, { id: '10001', key: 'EST-1', fields: { summary: 'Login page', status: { name: 'To Do' }, issuetype: { name: 'Story' } } });
    }
    return json(404, {});
  };
  // The long poll never answers in these tests.
  platform.remoteHandler = () => new Promise(() => {});
  return platform;
};

const renderRoom = (view: SessionView, platform = platformFor()) =>
  render(
    <ServicesProvider value={createServices(platform, platform.context, null)}>
      <Room initialView={view} />
    </ServicesProvider>,
  );

afterEach(cleanup);

describe('Room', () => {
  it('renders the cards as buttons named "Vote N" and marks the chosen one pressed', async () => {
    const view = someView({
      issues: [someIssue({ rounds: [someRound({ votes: [{ accountId: 'acc-me', label: '5', isOutlier: false }] })] })],
    });
    renderRoom(view);
    expect(screen.getByRole('button', { name: 'Vote 5' }).getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByRole('button', { name: 'Vote 8' }).getAttribute('aria-pressed')).toBe('false');
    expect(screen.getByRole('button', { name: 'Vote ?' })).toBeTruthy();
    await waitFor(() => expect(screen.getAllByRole('heading').map((h) => h.textContent)).toContain('EST-1: Login page'));
  });

  it('sends a vote when a card is pressed', async () => {
    const platform = platformFor();
    platform.remoteHandler = (call) => (call.method === 'POST' ? json(200, someView({ version: 4 })) : new Promise(() => {}));
    renderRoom(someView(), platform);
    fireEvent.click(screen.getByRole('button', { name: 'Vote 8' }));
    await waitFor(() => expect(platform.calls.some((c) => c.path === '/api/sessions/sess-1/votes')).toBe(true));
    expect(platform.calls.find((c) => c.path === '/api/sessions/sess-1/votes')?.body).toEqual({ issueId: '10001', label: '8' });
  });

  it('keeps keyboard focus on the card after voting', async () => {
    const platform = platformFor();
    platform.remoteHandler = (call) =>
      call.method === 'POST'
        ? json(200, someView({ version: 4, issues: [someIssue({ rounds: [someRound({ votes: [{ accountId: 'acc-me', label: '8', isOutlier: false }] })] })] }))
        : new Promise(() => {});
    renderRoom(someView(), platform);
    const card = screen.getByRole('button', { name: 'Vote 8' });
    card.focus();
    fireEvent.click(card);
    await waitFor(() => expect(screen.getByRole('button', { name: 'Vote 8' }).getAttribute('aria-pressed')).toBe('true'));
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Vote 8' }));
  });

  it('shows facilitator controls only to those who can facilitate', () => {
    renderRoom(someView({ viewerCanFacilitate: false, viewerAccountId: 'acc-ana' }));
    expect(screen.queryByRole('button', { name: 'Reveal votes' })).toBeNull();
    expect(screen.queryByRole('heading', { name: 'Facilitator controls' })).toBeNull();
    cleanup();
    renderRoom(someView());
    expect(screen.getByRole('button', { name: 'Reveal votes' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'End session' })).toBeTruthy();
  });

  it("never shows other participants' cards before reveal, only that they voted", async () => {
    // Even if a label were (wrongly) sent before reveal, the room must not show it.
    const view = someView({
      issues: [someIssue({ rounds: [someRound({ votes: [{ accountId: 'acc-ana', label: '13', isOutlier: false }] })] })],
    });
    renderRoom(view);
    const participants = screen.getByRole('heading', { name: /Participants/ }).closest('section') as HTMLElement;
    await within(participants).findByText('Ana Other');
    expect(within(participants).getAllByText('Voted')).toHaveLength(1);
    expect(screen.queryByText('13')).toBeNull();
    expect(screen.queryByRole('heading', { name: /Results/ })).toBeNull();
  });

  it('after reveal lists every vote, marks outliers in text and offers Save estimate', async () => {
    const view = someView({
      issues: [
        someIssue({
          rounds: [
            someRound({
              isRevealed: true,
              votes: [
                { accountId: 'acc-me', label: '5', isOutlier: false },
                { accountId: 'acc-ana', label: '13', isOutlier: true },
              ],
              statistics: someStatistics({ outlierLabels: ['13'] }),
            }),
          ],
        }),
      ],
    });
    renderRoom(view);
    const results = screen.getByRole('heading', { name: 'Results for EST-1' }).closest('section') as HTMLElement;
    expect(within(results).getByText('13')).toBeTruthy();
    expect(within(results).getAllByText(/Outlier/i).length).toBeGreaterThan(0);
    expect(within(results).getByText('Suggested estimate:')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Save estimate' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Vote 5' })).toBeNull();
    await waitFor(() => expect(document.body.textContent).toContain('Votes revealed for EST-1: 3 votes'));
  });

  it('refreshes to the current view on 409 and says so politely', async () => {
    const platform = platformFor();
    platform.remoteHandler = (call) =>
      call.path.endsWith('/actions')
        ? json(409, { code: 'conflict', detail: 'stale', current: someView({ version: 9, currentIndex: 1 }) })
        : new Promise(() => {});
    renderRoom(someView(), platform);
    fireEvent.click(screen.getByRole('button', { name: 'Reveal votes' }));
    expect(await screen.findByText(/Someone changed the session just before you did/)).toBeTruthy();
    expect(screen.getByRole('listitem', { current: true }).textContent).toContain('EST-2');
  });
});

describe('Room in async mode', () => {
  it('lists every issue with its own named cards and the viewer vote', () => {
    const view = someView({
      mode: 'async',
      asyncDeadline: '2026-12-01T09:00:00Z',
      issues: [
        someIssue({ rounds: [someRound({ votes: [{ accountId: 'acc-me', label: '3', isOutlier: false }] })] }),
        someIssue({ issueId: '10002', issueKey: 'EST-2' }),
      ],
    });
    renderRoom(view);
    expect(screen.getByRole('heading', { name: /Vote on each issue/ })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Vote 3 for EST-1' }).getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByRole('button', { name: 'Vote 3 for EST-2' }).getAttribute('aria-pressed')).toBe('false');
    expect(screen.getByText('Your vote: 3')).toBeTruthy();
    expect(screen.getByText(/Voting closes:/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Close voting' })).toBeTruthy();
  });
});

describe('Ending a session', () => {
  it('asks for confirmation inline before sending "end"', async () => {
    const platform = platformFor();
    platform.remoteHandler = (call) => (call.path.endsWith('/actions') ? json(200, someView({ version: 4, status: 'ended' })) : new Promise(() => {}));
    renderRoom(someView(), platform);
    fireEvent.click(screen.getByRole('button', { name: 'End session' }));
    expect(platform.calls.filter((c) => c.path.endsWith('/actions'))).toHaveLength(0);
    fireEvent.click(screen.getByRole('button', { name: 'Yes, end session' }));
    await screen.findByText(/This session has ended/);
    expect(platform.calls.find((c) => c.path.endsWith('/actions'))?.body).toEqual({ action: 'end', expectedVersion: 3 });
    expect(screen.queryByRole('button', { name: 'Vote 5' })).toBeNull();
  });
});
