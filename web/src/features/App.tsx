import { ADMIN_PAGE_MODULE, ISSUE_PANEL_MODULE, PROJECT_PAGE_MODULE } from '../platform/types';
import { AdminPage } from './admin/AdminPage';
import { IssuePanel } from './issue/IssuePanel';
import { ProjectPage } from './project/ProjectPage';
import { ServicesProvider, type Services } from './services';

/** Picks the screen from the module the host rendered us in. */
export const App = ({ services }: { services: Services }) => {
  const { context } = services;
  let screen;
  if (context.moduleKey === PROJECT_PAGE_MODULE && context.projectKey) {
    screen = <ProjectPage projectKey={context.projectKey} />;
  } else if (context.moduleKey === ADMIN_PAGE_MODULE) {
    screen = <AdminPage />;
  } else if (context.moduleKey === ISSUE_PANEL_MODULE && context.issueId && context.issueKey) {
    screen = <IssuePanel issueId={context.issueId} issueKey={context.issueKey} />;
  } else {
    screen = (
      <main class="app">
        <h1>Estimo</h1>
        <p role="alert">Estimo cannot run in this place ({context.moduleKey || 'unknown module'}).</p>
      </main>
    );
  }
  return <ServicesProvider value={services}>{screen}</ServicesProvider>;
};
