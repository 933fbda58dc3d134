import { useState } from 'preact/hooks';
import type { FacilitatorAction, SessionView } from '../../remote/types';
import { currentRound, isFacilitator } from './selectors';

interface Props {
  view: SessionView;
  onAction(action: FacilitatorAction, extra?: { index?: number; seconds?: number }): void;
}

/** Rendered only for the facilitator and delegates (viewerCanFacilitate). */
export const FacilitatorControls = ({ view, onAction }: Props) => {
  const [seconds, setSeconds] = useState(view.timerSeconds ?? 60);
  const [confirmingEnd, setConfirmingEnd] = useState(false);
  if (!view.viewerCanFacilitate) return null;
  const round = currentRound(view.issues[view.currentIndex]);
  const revealed = round?.isRevealed ?? false;
  const last = view.issues.length - 1;
  return (
    <section class="panel" aria-labelledby="facilitator-heading">
      <h3 id="facilitator-heading">Facilitator controls</h3>
      <div class="toolbar">
        <button type="button" class="button button--primary" disabled={revealed} onClick={() => onAction('reveal')}>
          Reveal votes
        </button>
        <button type="button" class="button" disabled={!revealed} onClick={() => onAction('revote')}>
          Re-vote
        </button>
        <button type="button" class="button" onClick={() => onAction('skip')}>
          Skip issue
        </button>
        <button type="button" class="button" disabled={view.currentIndex <= 0} onClick={() => onAction('previous')}>
          Previous issue
        </button>
        <button type="button" class="button" disabled={view.currentIndex >= last} onClick={() => onAction('next')}>
          Next issue
        </button>
      </div>
      <div class="toolbar">
        <label class="inline-field">
          <span>Timer (seconds)</span>
          <input
            type="number"
            min={5}
            max={3600}
            value={seconds}
            onInput={(e) => setSeconds(Number((e.currentTarget as HTMLInputElement).value) || 60)}
          />
        </label>
        {view.timerEndsAt ? (
          <button type="button" class="button" onClick={() => onAction('stopTimer')}>
            Stop timer
          </button>
        ) : (
          <button type="button" class="button" onClick={() => onAction('startTimer', { seconds })}>
            Start timer
          </button>
        )}
        {view.mode === 'async' && !view.votingClosed && (
          <button type="button" class="button" onClick={() => onAction('closeVoting')}>
            Close voting
          </button>
        )}
        {isFacilitator(view) && !confirmingEnd && (
          <button type="button" class="button button--danger" onClick={() => setConfirmingEnd(true)}>
            End session
          </button>
        )}
      </div>
      {/* An inline confirmation: window.confirm may be blocked in the Forge iframe sandbox. */}
      {confirmingEnd && (
        <div class="toolbar" role="group" aria-label="Confirm ending the session">
          <span>End this session for everyone? Votes that were not saved are kept only in Estimo.</span>
          <button
            type="button"
            class="button button--danger"
           
            onClick={() => {
              setConfirmingEnd(false);
              onAction('end');
            }}
          >
            Yes, end session
          </button>
          <button type="button" class="button" onClick={() => setConfirmingEnd(false)}>
            Cancel
          </button>
        </div>
      )}
    </section>
  );
};
