import type { PreflightProblem } from '../../domain/preflight';

interface Props {
  problems: PreflightProblem[];
  /** Without these, the report offers no way to leave issues out (single-issue sessions). */
  excluding?: boolean;
  onExcludeChange?(exclude: boolean): void;
}

/** Every problem the pre-flight check found, with the fix an admin must make. */
export const PreflightReport = ({ problems, excluding, onExcludeChange }: Props) => {
  const perIssue = problems.filter((p) => p.issueId !== null).length;
  const global = problems.length - perIssue;
  return (
    <section class="preflight" aria-labelledby="preflight-heading" role="alert">
      <h3 id="preflight-heading">
        <span aria-hidden="true">⚠ </span>
        {problems.length} {problems.length === 1 ? 'problem' : 'problems'} would stop estimates from being saved
      </h3>
      <ul>
        {problems.map((p, index) => (
          <li key={`${p.issueId ?? 'all'}-${index}`}>
            <strong>{p.message}</strong>
            <br />
            <span class="preflight__fix">Fix: {p.fix}</span>
          </li>
        ))}
      </ul>
      {onExcludeChange && global === 0 && perIssue > 0 && (
        <label class="checkbox">
          <input type="checkbox" checked={excluding ?? false} onChange={(e) => onExcludeChange((e.currentTarget as HTMLInputElement).checked)} />
          <span>
            Leave out the {perIssue} affected {perIssue === 1 ? 'issue' : 'issues'} and start without {perIssue === 1 ? 'it' : 'them'}
          </span>
        </label>
      )}
    </section>
  );
};
