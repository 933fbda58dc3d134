import { useEffect, useState } from 'preact/hooks';
import type { Board, IssueSummary, JiraField, Sprint } from '../../jira/api';
import { detectEstimationField, runPreflight, type PreflightProblem } from '../../domain/preflight';
import type { DeckId, SessionMode, SessionSource, SessionView } from '../../remote/types';
import { Notice, type NoticeMessage } from '../../ui/common';
import { useServices } from '../services';
import { DeckPicker } from './DeckPicker';
import { DelegatePicker } from './DelegatePicker';
import { IssuePicker } from './IssuePicker';
import { PreflightReport } from './PreflightReport';
import { SessionOptions } from './SessionOptions';
import { buildCreateRequest, preflightKey, selectedIssues, type SessionFormState } from './sessionForm';

interface Props {
  projectKey: string;
  boards: Board[];
  onCreated(view: SessionView): void;
  onCancel(): void;
}

interface Preflight {
  key: string;
  problems: PreflightProblem[];
}

export const NewSessionForm = ({ projectKey, boards, onCreated, onCancel }: Props) => {
  const { jira, sessions } = useServices();
  const [boardId, setBoardId] = useState<number | null>(boards[0]?.id ?? null);
  const [sprints, setSprints] = useState<Sprint[]>([]);
  const [fields, setFields] = useState<JiraField[]>([]);
  const [boardFieldId, setBoardFieldId] = useState('');
  const [chosenFieldId, setChosenFieldId] = useState('');
  const [source, setSource] = useState<SessionSource | null>(null);
  const [issues, setIssues] = useState<IssueSummary[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [deckId, setDeckId] = useState<DeckId>('fibonacci');
  const [customText, setCustomText] = useState('1\n2\n3\n5\n8\n?');
  const [mode, setMode] = useState<SessionMode>('live');
  const [deadlineLocal, setDeadlineLocal] = useState('');
  const [autoReveal, setAutoReveal] = useState(true);
  const [timerSeconds, setTimerSeconds] = useState('');
  const [delegateIds, setDelegateIds] = useState<string[]>([]);
  const [preflight, setPreflight] = useState<Preflight | null>(null);
  const [exclude, setExclude] = useState(false);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const board = boards.find((b) => b.id === boardId) ?? null;

  // Jira's fields, once per form: the field picker and the "Story Points" fallback need them.
  useEffect(() => {
    let live = true;
    void jira.fields().then((all) => {
      if (!live) return;
      if (all.ok) setFields(all.value);
      else setNotice({ tone: 'error', text: `Could not read Jira's fields: ${all.error.message}` });
    });
    return () => {
      live = false;
    };
  }, [jira]);

  // Per board: its sprints and its estimation field.
  useEffect(() => {
    let live = true;
    setBoardFieldId('');
    setSprints([]);
    if (boardId === null) return;
    void Promise.all([jira.boardEstimation(boardId), jira.boardSprints(boardId)]).then(([config, boardSprints]) => {
      if (!live) return;
      setSprints(boardSprints.ok ? boardSprints.value : []);
      setBoardFieldId(config.ok && config.value ? config.value.fieldId : '');
    });
    return () => {
      live = false;
    };
  }, [jira, boardId]);

  // The user's choice, else the board's estimation field, else Story Points / Story point estimate.
  const fieldId = chosenFieldId || boardFieldId || detectEstimationField(fields)?.id || '';
  const options = { fieldId, mode, deadlineLocal, autoReveal, timerSeconds };
  const fieldName = fields.find((f) => f.id === fieldId)?.name ?? fieldId;
  const fieldOptions = fields.filter((f) => f.schemaType === 'number' || f.id === fieldId);
  const chosenIssues = selectedIssues({ issues, selected, excluded: new Set() });
  const key = preflightKey(fieldId, chosenIssues.map((i) => i.id));
  const currentPreflight = preflight?.key === key ? preflight : null;

  const formState = (excluded: ReadonlySet<string>): SessionFormState => ({
    projectKey, boardId, source, issues, selected, excluded, deckId, customText, fieldId, mode,
    deadlineLocal, autoReveal, timerSeconds, delegateIds,
  });

  const check = async () => {
    setPreflight(null);
    setBusy(true);
    const result = await runPreflight(jira, projectKey, fieldId, fieldName, chosenIssues, { knownFields: fields });
    setBusy(false);
    if (result.ok) setPreflight({ key, problems: result.value });
    else setNotice({ tone: 'error', text: `The pre-flight check failed: ${result.error.message}` });
  };

  const start = async () => {
    setErrors([]);
    setNotice(null);
    const draft = buildCreateRequest(formState(new Set()));
    if (!draft.ok) return setErrors(draft.errors);
    setBusy(true);
    try {
      let checked = currentPreflight;
      if (!checked) {
        setNotice({ tone: 'info', text: `Checking that ${fieldName} can be saved on ${chosenIssues.length} issues…` });
        const result = await runPreflight(jira, projectKey, fieldId, fieldName, chosenIssues, { knownFields: fields });
        if (!result.ok) return setNotice({ tone: 'error', text: `The pre-flight check failed: ${result.error.message}` });
        checked = { key, problems: result.value };
        setPreflight(checked);
        setExclude(false);
        if (checked.problems.length > 0) {
          return setNotice({ tone: 'error', text: 'Some issues cannot be estimated yet. See the problems below.' });
        }
      }
      const excluded = new Set<string>();
      if (checked.problems.length > 0) {
        const global = checked.problems.some((p) => p.issueId === null);
        if (global || !exclude) return setNotice({ tone: 'error', text: 'Resolve the problems below, or leave out the affected issues.' });
        checked.problems.forEach((p) => p.issueId && excluded.add(p.issueId));
      }
      const final = buildCreateRequest(formState(excluded));
      if (!final.ok) return setErrors(final.errors);
      setNotice({ tone: 'info', text: 'Creating the session…' });
      const created = await sessions.create(final.request);
      if (!created.ok) {
        const problem = created.problem;
        const details = Object.entries(problem.errors ?? {}).map(([field, messages]) => `${field}: ${[messages].flat().join(' ')}`);
        if (problem.issueIds?.length) {
          const keys = issues.filter((i) => problem.issueIds?.includes(i.id)).map((i) => i.key);
          details.push(`Issues you cannot see: ${keys.join(', ') || problem.issueIds.join(', ')}`);
        }
        setErrors(details);
        return setNotice({ tone: 'error', text: `The session was not created: ${problem.detail}` });
      }
      onCreated(created.value);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="new-session-heading">
      <h2 id="new-session-heading">New session</h2>
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <label class="field">
          <span>Board</span>
          <select
            value={boardId ?? ''}
            onChange={(e) => {
              const value = (e.currentTarget as HTMLSelectElement).value;
              setBoardId(value ? Number(value) : null);
              setChosenFieldId('');
              setIssues([]);
              setSelected(new Set());
              setSource(null);
            }}
          >
            {boards.length === 0 && <option value="">No boards (use JQL)</option>}
            {boards.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </label>
        <IssuePicker
          key={boardId ?? 'none'}
          board={board}
          sprints={sprints}
          projectKey={projectKey}
          issues={issues}
          selected={selected}
          onLoaded={(loaded, loadedSource) => {
            setIssues(loaded);
            setSelected(new Set(loaded.map((i) => i.id)));
            setSource(loadedSource);
          }}
          onSelectionChange={setSelected}
        />
        <DeckPicker deckId={deckId} customText={customText} onDeckChange={setDeckId} onCustomTextChange={setCustomText} />
        <SessionOptions
          value={options}
          fields={fieldOptions}
          onChange={(next) => {
            setChosenFieldId(next.fieldId);
            setMode(next.mode);
            setDeadlineLocal(next.deadlineLocal);
            setAutoReveal(next.autoReveal);
            setTimerSeconds(next.timerSeconds);
          }}
        />
        <DelegatePicker delegateIds={delegateIds} onChange={setDelegateIds} />
        {errors.length > 0 && (
          <ul class="field-errors" role="alert">
            {errors.map((error) => (
              <li key={error}>{error}</li>
            ))}
          </ul>
        )}
        {currentPreflight && currentPreflight.problems.length > 0 && (
          <PreflightReport problems={currentPreflight.problems} excluding={exclude} onExcludeChange={setExclude} />
        )}
        {currentPreflight && currentPreflight.problems.length === 0 && (
          <Notice notice={{ tone: 'success', text: `Pre-flight check passed: ${fieldName} can be saved on every selected issue.` }} />
        )}
        <Notice notice={notice} />
        <div class="toolbar">
          <button type="submit" class="button button--primary" disabled={busy}>
            Start session
          </button>
          <button
            type="button"
            class="button"
            disabled={busy || chosenIssues.length === 0 || !fieldId}
            onClick={() => void check()}
          >
            Check issues
          </button>
          <button type="button" class="button button--subtle" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
};
