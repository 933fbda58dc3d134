import { useState } from 'preact/hooks';
import type { Board, IssueSummary, Sprint } from '../../jira/api';
import { MAX_SESSION_ISSUES } from '../../jira/api';
import type { JiraResult } from '../../jira/http';
import type { SessionSource } from '../../remote/types';
import { Notice, type NoticeMessage } from '../../ui/common';
import { useServices } from '../services';

export type SourceKind = 'backlog' | 'sprint' | 'jql';

interface Props {
  board: Board | null;
  sprints: Sprint[];
  projectKey: string;
  issues: IssueSummary[];
  selected: ReadonlySet<string>;
  onLoaded(issues: IssueSummary[], source: SessionSource): void;
  onSelectionChange(selected: Set<string>): void;
}

/** Choose where the issues come from, load them from Jira, and tick the ones to estimate. */
export const IssuePicker = ({ board, sprints, projectKey, issues, selected, onLoaded, onSelectionChange }: Props) => {
  const { jira } = useServices();
  const [kind, setKind] = useState<SourceKind>(board ? 'backlog' : 'jql');
  const [sprintId, setSprintId] = useState<number | null>(null);
  const [jql, setJql] = useState(`project = "${projectKey}" AND statusCategory != Done ORDER BY Rank ASC`);
  const [loading, setLoading] = useState(false);
  const [notice, setNotice] = useState<NoticeMessage | null>(null);
  const effectiveSprint = sprintId ?? sprints[0]?.id ?? null;

  const load = async () => {
    let result: JiraResult<IssueSummary[]>;
    let source: SessionSource;
    if (kind === 'backlog') {
      if (!board) return setNotice({ tone: 'error', text: 'Choose a board first.' });
      source = { kind: 'backlog' };
      setLoading(true);
      result = await jira.backlog(board.id);
    } else if (kind === 'sprint') {
      if (effectiveSprint === null) return setNotice({ tone: 'error', text: 'This board has no active or future sprint.' });
      source = { kind: 'sprint', sprintId: effectiveSprint };
      setLoading(true);
      result = await jira.sprintIssues(effectiveSprint);
    } else {
      if (!jql.trim()) return setNotice({ tone: 'error', text: 'Enter a JQL query.' });
      source = { kind: 'jql', jql: jql.trim() };
      setLoading(true);
      result = await jira.searchJql(jql.trim());
    }
    setLoading(false);
    if (!result.ok) {
      const prefix = kind === 'jql' && result.error.kind === 'badRequest' ? 'Jira could not run this JQL: ' : 'Could not load issues: ';
      setNotice({ tone: 'error', text: prefix + result.error.message });
      return;
    }
    const capped = result.value.length >= MAX_SESSION_ISSUES;
    setNotice({
      tone: capped ? 'warning' : 'success',
      text: capped
        ? `Loaded the first ${MAX_SESSION_ISSUES} issues (the most a session can hold).`
        : `Loaded ${result.value.length} ${result.value.length === 1 ? 'issue' : 'issues'}.`,
    });
    onLoaded(result.value, source);
  };

  const allSelected = issues.length > 0 && issues.every((i) => selected.has(i.id));
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    onSelectionChange(next);
  };

  return (
    <fieldset class="fieldset">
      <legend>Issues</legend>
      <div class="radio-row" role="radiogroup" aria-label="Where the issues come from">
        <label class="radio">
          <input type="radio" name="source" checked={kind === 'backlog'} disabled={!board} onChange={() => setKind('backlog')} />
          <span>Backlog</span>
        </label>
        <label class="radio">
          <input type="radio" name="source" checked={kind === 'sprint'} disabled={!board || sprints.length === 0} onChange={() => setKind('sprint')} />
          <span>Sprint</span>
        </label>
        <label class="radio">
          <input type="radio" name="source" checked={kind === 'jql'} onChange={() => setKind('jql')} />
          <span>JQL</span>
        </label>
      </div>
      {kind === 'sprint' && (
        <label class="field">
          <span>Sprint</span>
          <select value={effectiveSprint ?? ''} onChange={(e) => setSprintId(Number((e.currentTarget as HTMLSelectElement).value))}>
            {sprints.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({s.state})
              </option>
            ))}
          </select>
        </label>
      )}
      {kind === 'jql' && (
        <label class="field">
          <span>JQL query</span>
          <textarea rows={2} value={jql} onInput={(e) => setJql((e.currentTarget as HTMLTextAreaElement).value)} />
        </label>
      )}
      <button type="button" class="button" disabled={loading} onClick={() => void load()}>
        {loading ? 'Loading issues…' : 'Load issues'}
      </button>
      <Notice notice={notice} />
      {issues.length > 0 && (
        <div class="issue-picker">
          <label class="checkbox">
            <input
              type="checkbox"
              checked={allSelected}
              onChange={(e) => onSelectionChange((e.currentTarget as HTMLInputElement).checked ? new Set(issues.map((i) => i.id)) : new Set())}
            />
            <span>
              Select all ({selected.size} of {issues.length} selected)
            </span>
          </label>
          <ul class="issue-picker__list">
            {issues.map((issue) => (
              <li key={issue.id}>
                <label class="checkbox">
                  <input type="checkbox" checked={selected.has(issue.id)} onChange={(e) => toggle(issue.id, (e.currentTarget as HTMLInputElement).checked)} />
                  <span>
                    <strong>{issue.key}</strong> {issue.summary} <span class="muted">· {issue.issueType} · {issue.status}</span>
                  </span>
                </label>
              </li>
            ))}
          </ul>
        </div>
      )}
    </fieldset>
  );
};
