// "Data & privacy" on the admin page: what Estimo stores for this site, and "delete our data
// now" behind a confirmation where the admin types the site name.
import { useEffect, useState } from 'preact/hooks';
import type { AdminDataClient, DataSummary } from '../../remote/admin';
import { Loading, Notice, type NoticeMessage } from '../../ui/common';

const when = (iso: string | null, never: string) => (iso ? new Date(iso).toLocaleString() : never);

export const DataSection = ({ client }: { client: AdminDataClient }) => {
  const [summary, setSummary] = useState<DataSummary | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);

  const load = async () => {
    const result = await client.summary();
    if (result.ok) setSummary(result.value);
    else setNotice({ tone: 'error', text: result.problem.detail });
  };

  useEffect(() => {
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client]);

  const siteName = summary?.siteName ?? '';
  const matches = siteName !== '' && typed.trim().toLowerCase() === siteName.toLowerCase();

  const deleteNow = async () => {
    setBusy(true);
    const result = await client.deleteNow(typed.trim());
    setBusy(false);
    if (!result.ok) {
      setNotice({ tone: 'error', text: result.problem.detail });
      return;
    }
    setConfirming(false);
    setTyped('');
    setNotice({
      tone: 'success',
      text: `Deleted: ${result.value.sessionsDeleted} session(s) and ${result.value.accountIdsDeleted} stored account id(s); the encryption key of this site's data was destroyed.`,
    });
    await load();
  };

  return (
    <section class="admin-section" aria-labelledby="data-heading">
      <h2 id="data-heading">Data &amp; privacy</h2>
      <Notice notice={notice} />
      {!summary ? (
        notice?.tone === 'error' ? null : <Loading what="what Estimo stores" />
      ) : (
        <>
          <dl class="admin-facts">
            <dt>Sessions stored</dt>
            <dd>{summary.sessions}</dd>
            <dt>Atlassian account ids stored</dt>
            <dd>{summary.storedAccountIds}</dd>
            <dt>Oldest data</dt>
            <dd>{when(summary.oldestData, 'none')}</dd>
            <dt>Last reported to Atlassian's personal data API</dt>
            <dd>{when(summary.lastPersonalDataReport, 'not yet')}</dd>
          </dl>
          <p>
            Estimo keeps only ids, votes and session state, encrypted with a key of this site's own. Finished sessions are
            deleted after 30 days; everything is deleted within 7 days of uninstalling.
          </p>
          {!confirming ? (
            <button type="button" class="button button--danger" onClick={() => setConfirming(true)}>
              Delete all Estimo data now…
            </button>
          ) : (
            <div class="admin-confirm" role="dialog" aria-modal="false" aria-labelledby="confirm-heading">
              <h3 id="confirm-heading">Delete all of this site's Estimo data?</h3>
              <p>
                Every session, vote and stored account id is deleted at once and its encryption key destroyed, so backups cannot
                be read for this site either. This cannot be undone. Estimo stays installed and starts empty.
              </p>
              <label>
                Type <strong>{siteName}</strong> to confirm
                <input type="text" value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} autoComplete="off" />
              </label>
              <div class="admin-confirm__actions">
                <button type="button" class="button button--danger" disabled={!matches || busy} onClick={() => void deleteNow()}>
                  {busy ? 'Deleting…' : 'Delete now'}
                </button>
                <button
                  type="button"
                  class="button"
                  onClick={() => {
                    setConfirming(false);
                    setTyped('');
                  }}
                >
                  Cancel
                </button>
              </div>
            </div>
          )}
        </>
      )}
    </section>
  );
};
