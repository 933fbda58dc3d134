import { SupportAccessSection } from './SupportAccessSection';

/**
 * The app's Jira admin page (module estimo-admin-page): independent sections, each loading
 * its own data, so one failing does not hide the others.
 */
export const AdminPage = () => (
  <main class="app">
    <h1>Estimo administration</h1>
    <SupportAccessSection />
  </main>
);
