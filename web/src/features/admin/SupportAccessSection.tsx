import { useEffect, useState } from 'preact/hooks';
import { formatDateTime } from '../../domain/format';
import { Loading } from '../../ui/common';
import { useServices } from '../services';
import { actionLabel, loadSupportAccess, type SupportAccessResult } from './supportAccess';

/**
 * Access transparency: every time Estimo's support looked at or changed this site's data —
 * when, which operator (a pseudonymous id), why, and what was done.
 */
export const SupportAccessSection = () => {
  const { platform, context } = useServices();
  const [result, setResult] = useState<SupportAccessResult | null>(null);
  useEffect(() => {
    let live = true;
    void loadSupportAccess(platform).then((r) => live && setResult(r));
    return () => {
      live = false;
    };
  }, [platform]);

  return (
    <section class="admin-section" aria-labelledby="support-access-heading">
      <h2 id="support-access-heading">Support access</h2>
      <p>
        Estimo's support engineers can reach your data only under a time-limited grant with a reason and a ticket. Every access is recorded in a
        tamper-evident log and listed here.
      </p>
      {result === null ? (
        <Loading what="support access records" />
      ) : !result.ok ? (
        <p role="alert">{result.problem.status === 403 ? 'Only Jira site admins can see support access.' : result.problem.detail}</p>
      ) : result.entries.length === 0 ? (
        <p>Estimo support has not accessed this site's data.</p>
      ) : (
        <table>
          <caption>Support accesses, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Operator</th>
              <th scope="col">Action</th>
              <th scope="col">Reason</th>
              <th scope="col">Ticket</th>
              <th scope="col">What was done</th>
            </tr>
          </thead>
          <tbody>
            {result.entries.map((e, i) => (
              <tr key={`${e.occurredAt}-${i}`}>
                <td>
                  <time dateTime={e.occurredAt}>{formatDateTime(e.occurredAt, context.locale)}</time>
                </td>
                <td>{e.operatorId}</td>
                <td>{actionLabel(e.action)}</td>
                <td>{e.reason ?? '—'}</td>
                <td>{e.ticket ?? '—'}</td>
                <td>{e.what}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
};
