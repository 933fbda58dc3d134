import { useEffect, useRef, useState } from 'preact/hooks';
import { formatNumber, statisticsRows } from '../../domain/format';
import type { Card, Round, SessionIssue, SessionView } from '../../remote/types';
import { Notice, UserName, type NoticeMessage } from '../../ui/common';
import { useServices, useUsers } from '../services';
import { saveEstimate } from './saveEstimate';

interface Props {
  view: SessionView;
  issue: SessionIssue;
  round: Round;
  onSaved(view: SessionView): void;
}

const cardText = (view: SessionView, card: Card) =>
  view.deckValuesAreMapping && card.value !== null ? `${card.label} (saves ${formatNumber(card.value)})` : card.label;

/** What the room shows after reveal: every vote, the statistics, and the facilitator's Save. */
export const Results = ({ view, issue, round, onSaved }: Props) => {
  const { jira, sessions } = useServices();
  const users = useUsers(round.votes.map((v) => v.accountId));
  const stats = round.statistics;
  const numericCards = view.cards.filter((c) => c.value !== null);
  const [choice, setChoice] = useState<string>(stats?.suggestedLabel ?? issue.accepted?.label ?? numericCards[0]?.label ?? '');
  const [saving, setSaving] = useState(false);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);

  // Revealing removes the cards and disables "Reveal votes"; if focus was lost with them,
  // bring it to the results instead of leaving keyboard users at the top of the page.
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const active = document.activeElement;
    if (!active || active === document.body || (active as HTMLButtonElement).disabled) heading.current?.focus();
  }, [issue.issueId, round.number]);

  useEffect(() => {
    setChoice(stats?.suggestedLabel ?? issue.accepted?.label ?? numericCards[0]?.label ?? '');
    setNotice(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [issue.issueId, round.number, stats?.suggestedLabel]);

  const save = async () => {
    const card = view.cards.find((c) => c.label === choice);
    if (!card) return;
    setSaving(true);
    setNotice({ tone: 'info', text: `Saving ${card.label} to ${issue.issueKey}…` });
    const outcome = await saveEstimate(jira, sessions, view, issue, card);
    setSaving(false);
    if (outcome.kind === 'saved') {
      onSaved(outcome.view);
      setNotice(outcome.warning ? { tone: 'warning', text: `${outcome.message} ${outcome.warning}` } : { tone: 'success', text: outcome.message });
    } else {
      if (outcome.view) onSaved(outcome.view);
      setNotice({ tone: 'error', text: outcome.message });
    }
  };

  return (
    <section class="panel results" aria-labelledby="results-heading">
      <h3 id="results-heading" ref={heading} tabIndex={-1}>Results for {issue.issueKey}</h3>
      <table class="votes">
        <caption class="sr-only">Votes, round {round.number}</caption>
        <thead>
          <tr>
            <th scope="col">Participant</th>
            <th scope="col">Card</th>
            <th scope="col">Note</th>
          </tr>
        </thead>
        <tbody>
          {round.votes.map((vote) => (
            <tr key={vote.accountId} class={vote.isOutlier ? 'votes__row--outlier' : ''}>
              <td>
                <UserName users={users} accountId={vote.accountId} />
              </td>
              <td class="votes__card">{vote.label ?? '–'}</td>
              <td>
                {vote.isOutlier && (
                  <span class="outlier">
                    <span aria-hidden="true">⚠ </span>Outlier
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {round.votes.length === 0 && <p class="muted">Nobody voted in this round.</p>}
      {stats && (
        <>
          <dl class="stats">
            {statisticsRows(stats).map((row) => (
              <div class="stats__row" key={row.label}>
                <dt>{row.label}</dt>
                <dd>{row.value}</dd>
              </div>
            ))}
          </dl>
          {stats.distribution.length > 0 && (
            <ul class="distribution" aria-label="Distribution">
              {stats.distribution.map((d) => (
                <li key={d.label}>
                  <strong>{d.label}</strong> × {d.count}
                  {stats.outlierLabels.includes(d.label) && <span class="outlier"> (outlier)</span>}
                </li>
              ))}
            </ul>
          )}
          <p class="suggestion">
            Suggested estimate: <strong>{stats.suggestedLabel ?? 'none (no numeric votes)'}</strong>
          </p>
        </>
      )}
      {issue.accepted && (
        <p class="accepted">
          <span aria-hidden="true">✓ </span>Accepted estimate: <strong>{issue.accepted.label}</strong>
        </p>
      )}
      {view.viewerCanFacilitate && (
        <div class="save">
          <label class="inline-field">
            <span>Final estimate</span>
            <select value={choice} onChange={(e) => setChoice((e.currentTarget as HTMLSelectElement).value)} disabled={saving}>
              {numericCards.map((card) => (
                <option key={card.label} value={card.label}>
                  {cardText(view, card)}
                </option>
              ))}
            </select>
          </label>
          <button type="button" class="button button--primary" disabled={saving || !choice} onClick={() => void save()}>
            Save estimate
          </button>
        </div>
      )}
      <Notice notice={notice}>
        {notice?.tone === 'error' && view.viewerCanFacilitate && (
          <button type="button" class="button" onClick={() => void save()} disabled={saving}>
            Try again
          </button>
        )}
      </Notice>
    </section>
  );
};
