import type { SessionView } from '../../remote/types';
import { useIssueSummaries } from '../services';
import { currentRound } from './selectors';

interface Props {
  view: SessionView;
  onGoto(index: number): void;
}

/** All issues of the session with their accepted values; facilitators can jump to one. */
export const IssueList = ({ view, onGoto }: Props) => {
  const summaries = useIssueSummaries(view.issues.map((i) => i.issueId));
  return (
  <nav class="panel sidebar" aria-labelledby="issues-heading">
    <h3 id="issues-heading">
      Issues <span class="muted">({view.issues.length})</span>
    </h3>
    {view.hiddenIssueCount > 0 && (
      <p class="muted">
        {view.hiddenIssueCount} {view.hiddenIssueCount === 1 ? 'issue is' : 'issues are'} hidden because you cannot see
        {view.hiddenIssueCount === 1 ? ' it' : ' them'} in Jira.
      </p>
    )}
    <ol class="issue-list">
      {view.issues.map((issue, index) => {
        const current = index === view.currentIndex;
        const round = currentRound(issue);
        const state = issue.accepted
          ? `Estimate ${issue.accepted.label}`
          : issue.isSkipped
            ? 'Skipped'
            : round?.isRevealed
              ? 'Revealed'
              : '';
        const body = (
          <>
            <span class="issue-list__key">{issue.issueKey}</span>
            <span class="issue-list__summary">{summaries.get(issue.issueId)?.summary ?? ''}</span>
            {state && <span class={`tag${issue.accepted ? ' tag--success' : ''}`}>{state}</span>}
            {current && <span class="tag tag--brand">Current</span>}
          </>
        );
        return (
          <li key={issue.issueId} class={`issue-list__item${current ? ' issue-list__item--current' : ''}`} aria-current={current ? 'true' : undefined}>
            {view.viewerCanFacilitate && !current ? (
              <button type="button" class="link-button" aria-label={`Go to ${issue.issueKey}`} onClick={() => onGoto(index)}>
                {body}
              </button>
            ) : (
              body
            )}
          </li>
        );
      })}
    </ol>
  </nav>
  );
};
