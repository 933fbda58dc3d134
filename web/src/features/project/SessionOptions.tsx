import type { JiraField } from '../../jira/api';
import type { SessionMode } from '../../remote/types';

export interface SessionOptionsValue {
  fieldId: string;
  mode: SessionMode;
  deadlineLocal: string;
  autoReveal: boolean;
  timerSeconds: string;
}

interface Props {
  value: SessionOptionsValue;
  /** Number fields the estimate can be saved into. */
  fields: JiraField[];
  onChange(next: SessionOptionsValue): void;
}

const inputValue = (e: Event) => (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;

/** Where the estimate goes and how the session runs: field, live/async, auto-reveal, timer. */
export const SessionOptions = ({ value, fields, onChange }: Props) => {
  const set = (patch: Partial<SessionOptionsValue>) => onChange({ ...value, ...patch });
  return (
    <fieldset class="fieldset">
      <legend>Estimation</legend>
      <label class="field">
        <span>Estimation field</span>
        <select value={value.fieldId} onChange={(e) => set({ fieldId: inputValue(e) })}>
          {!value.fieldId && <option value="">Choose a field</option>}
          {fields.map((f) => (
            <option key={f.id} value={f.id}>
              {f.name} ({f.id})
            </option>
          ))}
        </select>
      </label>
      <div class="radio-row" role="radiogroup" aria-label="Mode">
        <label class="radio">
          <input type="radio" name="mode" checked={value.mode === 'live'} onChange={() => set({ mode: 'live' })} />
          <span>Live meeting</span>
        </label>
        <label class="radio">
          <input type="radio" name="mode" checked={value.mode === 'async'} onChange={() => set({ mode: 'async' })} />
          <span>Async (vote until a deadline)</span>
        </label>
      </div>
      {value.mode === 'async' && (
        <label class="field">
          <span>Deadline</span>
          <input type="datetime-local" value={value.deadlineLocal} onInput={(e) => set({ deadlineLocal: inputValue(e) })} />
        </label>
      )}
      <label class="checkbox">
        <input
          type="checkbox"
          checked={value.autoReveal}
          onChange={(e) => set({ autoReveal: (e.currentTarget as HTMLInputElement).checked })}
        />
        <span>Reveal automatically when everyone has voted</span>
      </label>
      <label class="field">
        <span>Default timer in seconds (optional)</span>
        <input type="number" min={5} max={3600} value={value.timerSeconds} onInput={(e) => set({ timerSeconds: inputValue(e) })} />
      </label>
    </fieldset>
  );
};
