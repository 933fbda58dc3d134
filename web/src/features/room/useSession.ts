// Keeps the room's SessionView current: the long poll feeds it, our own changes feed it,
// and a 409 replaces it with the server's `current` view.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { startLongPoll, type PollHandle } from '../../remote/poll';
import type { Problem, RemoteResult, SessionView } from '../../remote/types';
import type { NoticeMessage } from '../../ui/common';
import { useServices } from '../services';

export const CONFLICT_MESSAGE =
  'Someone changed the session just before you did, so nothing was changed. You are now looking at the latest state — please try again if it still makes sense.';

export const problemNotice = (problem: Problem): NoticeMessage => ({ tone: 'error', text: problem.detail });

export interface SessionState {
  view: SessionView;
  notice: NoticeMessage | null;
  setNotice(notice: NoticeMessage | null): void;
  /** Applies a change's answer: newer view wins; 409 refreshes to `current` politely. Returns true on success. */
  apply(result: RemoteResult<SessionView>): boolean;
  /** Adopts a view that came from somewhere else (e.g. /accept). */
  adopt(view: SessionView): void;
  connectionLost: boolean;
}

export const useSession = (initialView: SessionView): SessionState => {
  const { platform, sessions } = useServices();
  const [view, setView] = useState(initialView);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [connectionLost, setConnectionLost] = useState(false);
  const poll = useRef<PollHandle | null>(null);

  const adopt = useCallback((next: SessionView) => {
    setView((prev) => (next.version >= prev.version ? next : prev));
    poll.current?.advance(next.version);
  }, []);

  useEffect(() => {
    const handle = startLongPoll(platform, sessions, initialView.sessionId, initialView.version, {
      onView: (next) => {
        setConnectionLost(false);
        setView((prev) => (next.version >= prev.version ? next : prev));
      },
      onProblem: (problem) => {
        setConnectionLost(true);
        if (problem.status === 404 || problem.code === 'not_joined') setNotice(problemNotice(problem));
      },
      onRecovered: () => setConnectionLost(false),
    });
    poll.current = handle;
    return () => {
      handle.stop();
      poll.current = null;
    };
  }, [platform, sessions, initialView.sessionId, initialView.version]);

  const apply = useCallback(
    (result: RemoteResult<SessionView>) => {
      if (result.ok) {
        adopt(result.value);
        return true;
      }
      if (result.problem.status === 409 && result.problem.current) {
        adopt(result.problem.current);
        setNotice({ tone: 'warning', text: CONFLICT_MESSAGE });
      } else {
        setNotice(problemNotice(result.problem));
      }
      return false;
    },
    [adopt],
  );

  return { view, notice, setNotice, apply, adopt, connectionLost };
};
