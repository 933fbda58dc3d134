// Pure validation of the "New session" form and the request it becomes.
import { parseCustomCards } from '../../domain/decks';
import type { IssueSummary } from '../../jira/api';
import { MAX_SESSION_ISSUES } from '../../jira/api';
import type { CreateSessionRequest, DeckId, SessionMode, SessionSource } from '../../remote/types';

export interface SessionFormState {
  projectKey: string;
  boardId: number | null;
  source: SessionSource | null;
  issues: IssueSummary[];
  selected: ReadonlySet<string>;
  excluded: ReadonlySet<string>;
  deckId: DeckId;
  customText: string;
  fieldId: string;
  mode: SessionMode;
  /** The value of a datetime-local input, in the viewer's local time. */
  deadlineLocal: string;
  autoReveal: boolean;
  timerSeconds: string;
  delegateIds: string[];
}

export type FormResult = { ok: true; request: CreateSessionRequest } | { ok: false; errors: string[] };

export const selectedIssues = (state: Pick<SessionFormState, 'issues' | 'selected' | 'excluded'>): IssueSummary[] =>
  state.issues.filter((i) => state.selected.has(i.id) && !state.excluded.has(i.id));

export const buildCreateRequest = (state: SessionFormState, now: Date = new Date()): FormResult => {
  const errors: string[] = [];
  const issues = selectedIssues(state);
  if (!state.source || issues.length === 0) errors.push('Load issues and select at least one.');
  if (issues.length > MAX_SESSION_ISSUES) errors.push(`A session can hold at most ${MAX_SESSION_ISSUES} issues.`);
  if (!state.fieldId) errors.push('Choose the estimation field.');
  const custom = state.deckId === 'custom' ? parseCustomCards(state.customText) : null;
  if (custom) errors.push(...custom.errors);
  let asyncDeadline: string | undefined;
  if (state.mode === 'async') {
    const deadline = new Date(state.deadlineLocal);
    if (!state.deadlineLocal || Number.isNaN(deadline.getTime())) errors.push('Choose a deadline for async voting.');
    else if (deadline.getTime() <= now.getTime()) errors.push('The deadline must be in the future.');
    else asyncDeadline = deadline.toISOString();
  }
  let timerSeconds: number | undefined;
  if (state.timerSeconds.trim()) {
    timerSeconds = Number(state.timerSeconds);
    if (!Number.isInteger(timerSeconds) || timerSeconds < 5 || timerSeconds > 3600) {
      errors.push('The timer must be a whole number of seconds between 5 and 3600.');
    }
  }
  if (errors.length > 0 || !state.source) return { ok: false, errors };
  const request: CreateSessionRequest = {
    projectKey: state.projectKey,
    boardId: state.boardId,
    source: state.source,
    issues: issues.map((i) => ({ id: i.id, key: i.key })),
    deckId: state.deckId,
    estimationFieldId: state.fieldId,
    mode: state.mode,
    autoReveal: state.autoReveal,
    delegateAccountIds: state.delegateIds,
  };
  if (custom) request.customCards = custom.cards;
  if (asyncDeadline) request.asyncDeadline = asyncDeadline;
  if (timerSeconds !== undefined) request.timerSeconds = timerSeconds;
  return { ok: true, request };
};

/** Same selection + field = the earlier pre-flight result still applies. */
export const preflightKey = (fieldId: string, issueIds: string[]) => `${fieldId}|${[...issueIds].sort().join(',')}`;
