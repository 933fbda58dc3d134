// The jira:adminPage module (estimo-admin-page): independent sections, each loading its own
// data, so one failing does not hide the others. Jira shows the page to site admins only; the
// remote asks Jira again on every call.
import { useMemo } from 'preact/hooks';
import { AdminDataClient } from '../../remote/admin';
import { useServices } from '../services';
import { DataSection } from './DataSection';
import { SupportAccessSection } from './SupportAccessSection';

export const AdminPage = () => {
  const { platform } = useServices();
  const data = useMemo(() => new AdminDataClient(platform), [platform]);
  return (
    <main class="app admin-page">
      <h1>Estimo administration</h1>
      <DataSection client={data} />
      <SupportAccessSection />
    </main>
  );
};
