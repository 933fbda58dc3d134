import { describe, expect, it, vi } from 'vitest';
import { UserDirectory } from './users';

describe('UserDirectory', () => {
  it('asks Jira once per account id and tells subscribers when names arrive', async () => {
    const usersBulk = vi.fn(async (ids: readonly string[]) => ({
      ok: true as const,
      value: ids.map((accountId) => ({ accountId, displayName: `Name ${accountId}`, avatarUrl: undefined })),
    }));
    const users = new UserDirectory({ usersBulk });
    const listener = vi.fn();
    users.subscribe(listener);
    await users.load(['a', 'b', 'a']);
    await users.load(['a', 'b']);
    expect(usersBulk).toHaveBeenCalledTimes(1);
    expect(usersBulk).toHaveBeenCalledWith(['a', 'b']);
    expect(users.displayName('a')).toBe('Name a');
    expect(users.displayName('zzz')).toBe('Unknown user');
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('asks again later when Jira failed', async () => {
    const usersBulk = vi.fn(async () => ({ ok: false as const, error: { kind: 'unavailable' as const, status: 503, message: 'down' } }));
    const users = new UserDirectory({ usersBulk });
    await users.load(['a']);
    await users.load(['a']);
    expect(usersBulk).toHaveBeenCalledTimes(2);
  });
});
