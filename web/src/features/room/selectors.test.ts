import { describe, expect, it } from 'vitest';
import { someView } from '../../test/fixtures';
import { isVotingOpen } from './selectors';

describe('isVotingOpen', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');
  it('is open in a live session and before an async deadline', () => {
    expect(isVotingOpen(someView(), now)).toBe(true);
    expect(isVotingOpen(someView({ mode: 'async', asyncDeadline: '2026-11-28T13:00:00Z' }), now)).toBe(true);
  });
  it('is closed after the deadline, when closed, or when the session ended', () => {
    expect(isVotingOpen(someView({ mode: 'async', asyncDeadline: '2026-11-28T11:59:59Z' }), now)).toBe(false);
    expect(isVotingOpen(someView({ votingClosed: true }), now)).toBe(false);
    expect(isVotingOpen(someView({ status: 'ended' }), now)).toBe(false);
  });
});
