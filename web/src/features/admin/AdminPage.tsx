// The jira:adminPage module (estimo-admin-page): independent sections, each with its own data.
// Jira shows the page to site admins; the remote checks again on every call.
import { useMemo } from 'preact/hooks';
import { AdminDataClient } from '../../remote/admin';
import { useServices } from '../services';
import { DataSection } from './DataSection';

export const AdminPage = () => {
  const { platform } = useServices();
  const data = useMemo(() => new AdminDataClient(platform), [platform]);
  return (
    <main class="app admin-page">
      <h1>Estimo</h1>
      <DataSection client={data} />
    </main>
  );
};
