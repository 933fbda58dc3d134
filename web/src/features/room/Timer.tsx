import { useEffect, useState } from 'preact/hooks';
import { formatCountdown } from '../../domain/format';

/** Counts down to the session's timerEndsAt (a server timestamp). */
export const Timer = ({ endsAt }: { endsAt: string | null }) => {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!endsAt) return;
    const id = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(id);
  }, [endsAt]);
  if (!endsAt) return null;
  const left = Date.parse(endsAt) - now;
  return (
    <p class={`timer${left <= 0 ? ' timer--done' : ''}`} role="timer" aria-live="off">
      <span class="muted">Time left </span>
      <strong>{left <= 0 ? 'Time is up' : formatCountdown(left)}</strong>
      {/* The countdown itself is not announced every second; only its end is. */}
      <span class="sr-only" role="status">
        {left <= 0 ? 'Time is up.' : ''}
      </span>
    </p>
  );
};
