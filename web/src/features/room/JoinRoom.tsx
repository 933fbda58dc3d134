import { useEffect, useState } from 'preact/hooks';
import type { ParticipantRole, SessionView } from '../../remote/types';
import { Notice, type NoticeMessage } from '../../ui/common';
import { useServices } from '../services';
import { Room } from './Room';

interface Props {
  sessionId: string;
  /** Known when the user chose it in the session list; else asked (deep link). */
  role: ParticipantRole | null;
  initialView: SessionView | null;
  onLeave(): void;
}

/** Joins (invoke path: the remote checks with Jira which issues the user may see), then shows the room. */
export const JoinRoom = ({ sessionId, role, initialView, onLeave }: Props) => {
  const { sessions } = useServices();
  const [view, setView] = useState<SessionView | null>(initialView);
  const [chosenRole, setChosenRole] = useState<ParticipantRole | null>(role);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);

  useEffect(() => {
    if (view || !chosenRole) return;
    let live = true;
    setNotice({ tone: 'info', text: 'Joining the session…' });
    void sessions.join(sessionId, chosenRole).then((result) => {
      if (!live) return;
      if (result.ok) {
        setNotice(null);
        setView(result.value);
      } else {
        setChosenRole(null);
        setNotice({ tone: 'error', text: `Could not join the session: ${result.problem.detail}` });
      }
    });
    return () => {
      live = false;
    };
  }, [sessions, sessionId, chosenRole, view]);

  if (view) return <Room key={view.sessionId} initialView={view} onLeave={onLeave} />;
  return (
    <section class="panel" aria-labelledby="join-heading">
      <h2 id="join-heading">Join planning session</h2>
      <Notice notice={notice} />
      {!chosenRole && (
        <div class="toolbar">
          <button type="button" class="button button--primary" onClick={() => setChosenRole('voter')}>
            Join as voter
          </button>
          <button type="button" class="button" onClick={() => setChosenRole('observer')}>
            Join as observer
          </button>
          <button type="button" class="button button--subtle" onClick={onLeave}>
            Back to sessions
          </button>
        </div>
      )}
    </section>
  );
};
