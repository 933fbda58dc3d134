// Saving an estimate is three steps, in this order, each as the user:
//  1. PUT the issue's estimation field in Jira (Jira decides: permission, screen, deletion);
//  2. POST /accept so the session records it and returns the EstimationRecord;
//  3. append that record to the issue property `estimo.estimations` (newest 20 kept).
import type { JiraApi } from '../../jira/api';
import type { JiraError } from '../../jira/http';
import type { SessionClient } from '../../remote/client';
import type { Card, SessionView } from '../../remote/types';
import { appendRecord, ESTIMATIONS_PROPERTY } from '../../domain/estimations';
import { CONFLICT_MESSAGE } from './useSession';

export type SaveOutcome =
  | { kind: 'saved'; view: SessionView; message: string; warning: string | null }
  | { kind: 'failed'; message: string; retryAfterSeconds: number | null; view: SessionView | null };

/** Jira's verdict on the field update, in words for the person who pressed Save. */
export const describeSaveError = (error: JiraError, issueKey: string, fieldId: string): string => {
  switch (error.kind) {
    case 'forbidden':
      return `You don't have permission to edit ${issueKey} in Jira.${error.message ? ` Jira says: ${error.message}` : ''}`;
    case 'fieldErrors': {
      const onField = error.fieldErrors[fieldId];
      return onField
        ? `Jira did not accept the estimate for ${issueKey}: ${onField} (The estimation field may not be on the issue's Edit screen.)`
        : `Jira did not accept the estimate for ${issueKey}: ${error.message}`;
    }
    case 'badRequest':
      return `Jira did not accept the estimate for ${issueKey}: ${error.message}`;
    case 'notFound':
      return `${issueKey} no longer exists in Jira (it may have been deleted or moved).`;
    case 'rateLimited':
      return `Jira is rate limiting requests, so ${issueKey} was not saved.${error.retryAfterSeconds ? ` Try again in ${error.retryAfterSeconds} seconds.` : ' Try again in a moment.'}`;
    case 'unavailable':
      return `Jira could not save ${issueKey}: ${error.message}`;
  }
};

export const saveEstimate = async (
  jira: JiraApi,
  sessions: SessionClient,
  view: SessionView,
  issue: { issueId: string; issueKey: string },
  card: Card,
): Promise<SaveOutcome> => {
  if (card.value === null) {
    return { kind: 'failed', message: `"${card.label}" has no numeric value, so it cannot be saved to Jira.`, retryAfterSeconds: null, view: null };
  }
  // By id, not key: a key changes when an issue moves between projects, the id never does.
  const put = await jira.setEstimate(issue.issueId, view.estimationFieldId, card.value);
  if (!put.ok) {
    return {
      kind: 'failed',
      message: describeSaveError(put.error, issue.issueKey, view.estimationFieldId),
      retryAfterSeconds: put.error.kind === 'rateLimited' ? put.error.retryAfterSeconds : null,
      view: null,
    };
  }
  const accepted = await sessions.accept(view.sessionId, issue.issueId, card.label, card.value, view.version);
  if (!accepted.ok) {
    const conflict = accepted.problem.status === 409;
    return {
      kind: 'failed',
      message: conflict
        ? `${issue.issueKey} was saved in Jira, but the session was not updated. ${CONFLICT_MESSAGE}`
        : `${issue.issueKey} was saved in Jira, but the session could not record it: ${accepted.problem.detail}`,
      retryAfterSeconds: accepted.problem.retryAfterSeconds ?? null,
      view: accepted.problem.current ?? null,
    };
  }
  const saved = `Saved ${card.label} to ${issue.issueKey}.`;
  const existing = await jira.getProperty<unknown>(issue.issueId, ESTIMATIONS_PROPERTY);
  const written = existing.ok
    ? await jira.putProperty(issue.issueId, ESTIMATIONS_PROPERTY, appendRecord(existing.value, accepted.value.estimationRecord))
    : existing;
  return {
    kind: 'saved',
    view: accepted.value.view,
    message: saved,
    warning: written.ok ? null : `The estimation history of ${issue.issueKey} could not be updated: ${written.error.message}`,
  };
};
