import type { SessionView } from '../../remote/types';
import { CardDeck } from '../room/CardDeck';
import { currentRound, viewerVote } from '../room/selectors';
import { useIssueSummaries } from '../services';

interface Props {
  view: SessionView;
  onVote(issueId: string, label: string, current: string | null): void;
}

/** Async mode while voting is open: every issue with the viewer's own vote, voted in any order. */
export const AsyncBoard = ({ view, onVote }: Props) => {
  const summaries = useIssueSummaries(view.issues.map((i) => i.issueId));
  const voted = view.issues.filter((issue) => viewerVote(view, currentRound(issue)) !== null).length;
  return (
    <section class="panel" aria-labelledby="async-heading">
      <h3 id="async-heading">
        Vote on each issue <span class="muted">({voted} of {view.issues.length} done)</span>
      </h3>
      {view.viewerRole === 'observer' && <p class="muted">You are observing; observers do not vote.</p>}
      <ul class="async-list">
        {view.issues.map((issue) => {
          const round = currentRound(issue);
          const mine = viewerVote(view, round);
          return (
            <li key={issue.issueId} class="async-list__item">
              <h4>
                {issue.issueKey}
                {summaries.get(issue.issueId) ? `: ${summaries.get(issue.issueId)?.summary}` : ''}
                {issue.accepted && <span class="tag tag--success">Estimate {issue.accepted.label}</span>}
              </h4>
              <p class="muted">{mine ? `Your vote: ${mine}` : 'You have not voted yet.'}</p>
              {view.viewerRole === 'voter' && !issue.accepted && !round?.isRevealed && (
                <CardDeck cards={view.cards} chosen={mine} disabled={false} issueKey={issue.issueKey} onChoose={(label) => onVote(issue.issueId, label, mine)} />
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
};
