import { useEffect, useRef, useState } from 'preact/hooks';
import { formatDateTime, revealAnnouncement } from '../../domain/format';
import type { FacilitatorAction, SessionView } from '../../remote/types';
import { LiveAnnouncer, Notice } from '../../ui/common';
import { AsyncBoard } from '../async/AsyncBoard';
import { DelegatePicker } from '../project/DelegatePicker';
import { useServices } from '../services';
import { CardDeck } from './CardDeck';
import { CopyLink } from './CopyLink';
import { CurrentIssue } from './CurrentIssue';
import { FacilitatorControls } from './FacilitatorControls';
import { IssueList } from './IssueList';
import { Participants } from './Participants';
import { Results } from './Results';
import { currentIssue, currentRound, isEnded, isFacilitator, isVotingOpen, viewerVote } from './selectors';
import { Timer } from './Timer';
import { useSession } from './useSession';

interface Props {
  initialView: SessionView;
  onLeave?(): void;
}

/** The session room: live planning poker on the current issue (or the async board). */
export const Room = ({ initialView, onLeave }: Props) => {
  const { sessions, context } = useServices();
  const session = useSession(initialView);
  const { view } = session;
  const [busy, setBusy] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const issue = currentIssue(view);
  const round = currentRound(issue);
  const revealed = round?.isRevealed ?? false;

  // Move focus to the room's heading when it opens, so keyboard and screen-reader users land in it.
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  // Announce reveal and results once per round, for screen-reader users.
  const announced = useRef<string>('');
  useEffect(() => {
    if (!issue || !round || !revealed) return;
    const key = `${issue.issueId}#${round.number}`;
    if (announced.current === key) return;
    announced.current = key;
    setAnnouncement(revealAnnouncement(issue.issueKey, round.statistics));
  }, [issue, round, revealed]);

  // While a change is in flight further clicks are ignored rather than the buttons being
  // disabled: disabling the focused button would drop keyboard focus to the page.
  const inFlight = useRef(false);
  const run = async (fn: () => Promise<boolean>) => {
    if (inFlight.current) return false;
    inFlight.current = true;
    setBusy(true);
    session.setNotice(null);
    try {
      return await fn();
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  const act = (action: FacilitatorAction, extra?: { index?: number; seconds?: number }) =>
    void run(async () => {
      const ok = session.apply(await sessions.action(view.sessionId, action, view.version, extra));
      if (ok && action === 'end') session.setNotice({ tone: 'info', text: 'The session has ended.' });
      return ok;
    });

  const vote = (issueId: string, label: string, current: string | null) =>
    void run(async () =>
      session.apply(
        current === label ? await sessions.retractVote(view.sessionId, issueId) : await sessions.vote(view.sessionId, issueId, label),
      ),
    );

  const leave = () =>
    void run(async () => {
      await sessions.leave(view.sessionId);
      onLeave?.();
      return true;
    });

  const chosen = viewerVote(view, round);
  const votingOpen = isVotingOpen(view);
  const canVote = view.viewerRole === 'voter' && !revealed && votingOpen && !!issue && !issue.accepted;

  return (
    <div class="room">
      <header class="room__header">
        <h2 ref={heading} tabIndex={-1}>
          {view.mode === 'async' ? 'Async estimation' : 'Planning poker'} <span class="muted">· {view.projectKey} · {view.deckName}</span>
        </h2>
        <div class="toolbar">
          <CopyLink projectKey={view.projectKey || context.projectKey || ''} sessionId={view.sessionId} />
          {onLeave && (
            <button type="button" class="button" onClick={leave} disabled={busy}>
              Leave session
            </button>
          )}
        </div>
      </header>
      <LiveAnnouncer message={announcement} />
      <Notice notice={session.notice} />
      {session.connectionLost && <Notice notice={{ tone: 'warning', text: 'Connection to Estimo lost. Reconnecting…' }} />}
      {isEnded(view) && <Notice notice={{ tone: 'info', text: 'This session has ended. Accepted estimates are listed beside.' }} />}
      {view.mode === 'async' && view.asyncDeadline && (
        <p class="deadline">
          Voting {votingOpen ? 'closes' : 'closed'}: <strong>{formatDateTime(view.asyncDeadline, context.locale)}</strong>
        </p>
      )}
      <div class="room__layout" aria-busy={busy}>
        <IssueList view={view} onGoto={(index) => act('goto', { index })} />
        <div class="room__main">
          {view.mode === 'async' && votingOpen ? (
            <AsyncBoard view={view} onVote={vote} />
          ) : issue ? (
            <>
              <CurrentIssue issueId={issue.issueId} issueKey={issue.issueKey} />
              <Timer endsAt={view.timerEndsAt} />
              {canVote && (
                <section class="panel" aria-labelledby="vote-heading">
                  <h3 id="vote-heading">Your vote</h3>
                  <CardDeck cards={view.cards} chosen={chosen} disabled={false} onChoose={(label) => vote(issue.issueId, label, chosen)} />
                  <p class="muted" role="status">
                    {chosen ? `You voted ${chosen}. Press it again to take your vote back.` : 'Pick a card. Nobody sees it until the votes are revealed.'}
                  </p>
                </section>
              )}
              {view.viewerRole === 'observer' && !revealed && <p class="muted">You are observing; observers do not vote.</p>}
              {revealed && round && <Results view={view} issue={issue} round={round} onSaved={session.adopt} />}
            </>
          ) : (
            <p>There are no issues in this session that you can see.</p>
          )}
          {!isEnded(view) && <FacilitatorControls view={view} onAction={act} />}
          <Participants view={view} round={round} />
          {isFacilitator(view) && !isEnded(view) && (
            <section class="panel" aria-label="Delegates">
              <DelegatePicker
                delegateIds={view.delegateAccountIds}
                onChange={(ids) => void run(async () => session.apply(await sessions.setDelegates(view.sessionId, ids, view.version)))}
              />
            </section>
          )}
        </div>
      </div>
    </div>
  );
};
