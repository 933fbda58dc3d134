import { useEffect, useState } from 'preact/hooks';
import { ESTIMATIONS_PROPERTY, readRecords } from '../../domain/estimations';
import { formatDateTime } from '../../domain/format';
import { detectEstimationField, runPreflight, type PreflightProblem } from '../../domain/preflight';
import type { EstimationRecord, SessionView } from '../../remote/types';
import { Loading, Notice, type NoticeMessage } from '../../ui/common';
import { PreflightReport } from '../project/PreflightReport';
import { Room } from '../room/Room';
import { useServices, useUsers } from '../services';

const distributionText = (record: EstimationRecord) =>
  record.distribution.map((d) => `${d.label} ×${d.count}`).join(', ') || '–';

const History = ({ records }: { records: EstimationRecord[] }) => {
  const { context } = useServices();
  const users = useUsers([...new Set(records.flatMap((r) => r.participantAccountIds))]);
  if (records.length === 0) return <p class="muted">This issue has not been estimated with Estimo yet.</p>;
  return (
    <table class="history">
      <caption class="sr-only">Estimation history, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Date</th>
          <th scope="col">Estimate</th>
          <th scope="col">Votes</th>
          <th scope="col">Rounds</th>
          <th scope="col">Participants</th>
        </tr>
      </thead>
      <tbody>
        {[...records].reverse().map((record) => (
          <tr key={`${record.sessionId}-${record.estimatedAt}`}>
            <td>{formatDateTime(record.estimatedAt, context.locale)}</td>
            <td>
              <strong>{record.finalLabel}</strong>
            </td>
            <td>{distributionText(record)}</td>
            <td>{record.roundCount}</td>
            <td>{record.participantAccountIds.map((id) => users.displayName(id)).join(', ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
};

/** Module estimo-issue-panel: the issue's estimation history and "Estimate this issue". */
export const IssuePanel = ({ issueId, issueKey }: { issueId: string; issueKey: string }) => {
  const { jira, sessions } = useServices();
  const [records, setRecords] = useState<EstimationRecord[] | null>(null);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [problems, setProblems] = useState<PreflightProblem[]>([]);
  const [busy, setBusy] = useState(false);
  const [view, setView] = useState<SessionView | null>(null);

  useEffect(() => {
    void jira.getProperty<unknown>(issueId, ESTIMATIONS_PROPERTY).then((result) => {
      if (result.ok) setRecords(readRecords(result.value));
      else {
        setRecords([]);
        setNotice({ tone: 'error', text: `Could not read the estimation history: ${result.error.message}` });
      }
    });
  }, [jira, issueId, view]);

  const estimate = async () => {
    setBusy(true);
    setProblems([]);
    setNotice({ tone: 'info', text: `Preparing a session for ${issueKey}…` });
    try {
      const issue = await jira.issue(issueId);
      if (!issue.ok) return setNotice({ tone: 'error', text: `Could not read ${issueKey}: ${issue.error.message}` });
      const projectKey = issue.value.projectKey;
      const boards = await jira.projectBoards(projectKey);
      const board = boards.ok ? boards.value[0] : undefined;
      const config = board ? await jira.boardEstimation(board.id) : null;
      let fieldId = config?.ok && config.value ? config.value.fieldId : '';
      let fieldName = config?.ok && config.value ? config.value.fieldName : '';
      if (!fieldId) {
        const fields = await jira.fields();
        const detected = fields.ok ? detectEstimationField(fields.value) : undefined;
        if (!detected) return setNotice({ tone: 'error', text: 'No estimation field found. Configure the board estimation (Board settings → Estimation).' });
        fieldId = detected.id;
        fieldName = detected.name;
      }
      const check = await runPreflight(jira, projectKey, fieldId, fieldName, [{ id: issueId, key: issueKey, issueType: issue.value.issueType }]);
      if (!check.ok) return setNotice({ tone: 'error', text: `The pre-flight check failed: ${check.error.message}` });
      if (check.value.length > 0) {
        setProblems(check.value);
        return setNotice({ tone: 'error', text: `${issueKey} cannot be estimated yet.` });
      }
      const created = await sessions.create({
        projectKey,
        boardId: board?.id ?? null,
        source: { kind: 'issue' },
        issues: [{ id: issueId, key: issueKey }],
        deckId: 'fibonacci',
        estimationFieldId: fieldId,
        mode: 'live',
        autoReveal: false,
        delegateAccountIds: [],
      });
      if (!created.ok) return setNotice({ tone: 'error', text: `The session was not created: ${created.problem.detail}` });
      setNotice(null);
      setView(created.value);
    } finally {
      setBusy(false);
    }
  };

  if (view) {
    return (
      <main class="app app--panel">
        <Room initialView={view} onLeave={() => setView(null)} />
      </main>
    );
  }
  return (
    <main class="app app--panel">
      <h2>Estimation history</h2>
      {records === null ? <Loading what="history" /> : <History records={records} />}
      <Notice notice={notice} />
      {problems.length > 0 && <PreflightReport problems={problems} />}
      <button type="button" class="button button--primary" disabled={busy} onClick={() => void estimate()}>
        Estimate this issue
      </button>
    </main>
  );
};
