// Pure helpers over a SessionView.
import type { Round, SessionIssue, SessionView } from '../../remote/types';

export const currentIssue = (view: SessionView): SessionIssue | undefined => view.issues[view.currentIndex];

export const currentRound = (issue: SessionIssue | undefined): Round | undefined =>
  issue ? issue.rounds[issue.rounds.length - 1] : undefined;

export const viewerVote = (view: SessionView, round: Round | undefined): string | null =>
  round?.votes.find((v) => v.accountId === view.viewerAccountId)?.label ?? null;

export const hasVoted = (round: Round | undefined, accountId: string): boolean =>
  !!round?.votes.some((v) => v.accountId === accountId);

export const isFacilitator = (view: SessionView): boolean => view.viewerAccountId === view.facilitatorAccountId;

export const isEnded = (view: SessionView): boolean => view.status !== 'active';

/** Async voting is over once closed or once the deadline has passed (even before the server notices). */
export const isVotingOpen = (view: SessionView, now: number = Date.now()): boolean =>
  !view.votingClosed && !isEnded(view) && !(view.asyncDeadline && Date.parse(view.asyncDeadline) <= now);
