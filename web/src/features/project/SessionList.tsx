import { useEffect, useState } from 'preact/hooks';
import { formatDateTime } from '../../domain/format';
import type { ParticipantRole, SessionSummary } from '../../remote/types';
import { Loading, Notice, UserName, type NoticeMessage } from '../../ui/common';
import { useServices, useUsers } from '../services';

const REFRESH_MS = 30_000;

interface Props {
  projectKey: string;
  onJoin(sessionId: string, role: ParticipantRole): void;
}

/** The project's active sessions, each joinable as voter or observer. */
export const SessionList = ({ projectKey, onJoin }: Props) => {
  const { sessions, context } = useServices();
  const [list, setList] = useState<SessionSummary[] | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const users = useUsers((list ?? []).map((s) => s.facilitatorAccountId));

  const load = async () => {
    const result = await sessions.listActive(projectKey);
    if (result.ok) {
      setList(result.value);
      setNotice(null);
    } else {
      setList((previous) => previous ?? []);
      setNotice({ tone: 'error', text: `Could not load the active sessions: ${result.problem.detail}` });
    }
  };
  useEffect(() => {
    void load();
    // New sessions appear without a reload; a slow refresh is enough for a list.
    const id = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [projectKey]);

  return (
    <section class="panel" aria-labelledby="sessions-heading">
      <div class="panel__header">
        <h2 id="sessions-heading">Active sessions</h2>
        <button type="button" class="button" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <Notice notice={notice} />
      {list === null ? (
        <Loading what="sessions" />
      ) : list.length === 0 ? (
        <p class="muted">No active sessions in {projectKey}. Start one below.</p>
      ) : (
        <ul class="session-list">
          {list.map((s) => (
            <li key={s.id} class="session-list__item">
              <div>
                <UserName users={users} accountId={s.facilitatorAccountId} />
                <span class="muted">
                  {' '}
                  · {s.mode === 'async' ? 'Async' : 'Live'} · {s.issueCount} {s.issueCount === 1 ? 'issue' : 'issues'} ·{' '}
                  {s.participantCount} joined · started {formatDateTime(s.createdAt, context.locale)}
                </span>
              </div>
              <div class="toolbar">
                <button type="button" class="button button--primary" onClick={() => onJoin(s.id, 'voter')}>
                  Join as voter
                </button>
                <button type="button" class="button" onClick={() => onJoin(s.id, 'observer')}>
                  Join as observer
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
};
