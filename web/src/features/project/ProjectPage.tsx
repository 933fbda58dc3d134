import { useEffect, useState } from 'preact/hooks';
import type { Board } from '../../jira/api';
import type { ParticipantRole, SessionView } from '../../remote/types';
import { Loading, Notice, type NoticeMessage } from '../../ui/common';
import { JoinRoom } from '../room/JoinRoom';
import { parseRoute, routePath, type Route } from '../routes';
import { useServices } from '../services';
import { NewSessionForm } from './NewSessionForm';
import { SessionList } from './SessionList';

interface Entry {
  role: ParticipantRole | null;
  view: SessionView | null;
}

/** Module estimo-project-page: sessions of the project, "New session", and the room. */
export const ProjectPage = ({ projectKey }: { projectKey: string }) => {
  const { jira, history } = useServices();
  const [route, setRoute] = useState<Route>(() => parseRoute(history?.pathname()));
  const [entry, setEntry] = useState<Entry>({ role: null, view: null });
  const [boards, setBoards] = useState<Board[] | null>(null);
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);

  // Back/forward in the host page and deep links arrive through the host's history.
  useEffect(() => history?.listen((path) => setRoute(parseRoute(path))), [history]);

  useEffect(() => {
    void jira.projectBoards(projectKey).then((result) => {
      if (result.ok) setBoards(result.value);
      else {
        setBoards([]);
        setNotice({ tone: 'error', text: `Could not load the boards of ${projectKey}: ${result.error.message}` });
      }
    });
  }, [jira, projectKey]);

  const go = (next: Route, nextEntry: Entry = { role: null, view: null }) => {
    setEntry(nextEntry);
    setRoute(next);
    history?.push(routePath(next));
  };

  if (route.name === 'session') {
    return (
      <main class="app">
        <h1 class="sr-only">Estimo planning poker · {projectKey}</h1>
        <JoinRoom
          key={route.sessionId}
          sessionId={route.sessionId}
          role={entry.role}
          initialView={entry.view?.sessionId === route.sessionId ? entry.view : null}
          onLeave={() => go({ name: 'home' })}
        />
      </main>
    );
  }

  return (
    <main class="app">
      <h1>Estimo planning poker · {projectKey}</h1>
      <Notice notice={notice} />
      {boards && boards.length > 0 && (
        <p class="muted">
          Boards in {projectKey}: {boards.map((b) => b.name).join(', ')}
        </p>
      )}
      <SessionList projectKey={projectKey} onJoin={(sessionId, role) => go({ name: 'session', sessionId }, { role, view: null })} />
      {boards === null ? (
        <Loading what="boards" />
      ) : creating ? (
        <NewSessionForm
          projectKey={projectKey}
          boards={boards}
          onCancel={() => setCreating(false)}
          onCreated={(view) => {
            setCreating(false);
            go({ name: 'session', sessionId: view.sessionId }, { role: 'voter', view });
          }}
        />
      ) : (
        <button type="button" class="button button--primary" onClick={() => setCreating(true)}>
          New session
        </button>
      )}
    </main>
  );
};
