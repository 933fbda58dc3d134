// Pre-flight check before a session is created: can the facilitator actually save an
// estimate into the chosen field on every selected issue? Jira would otherwise only tell
// us at the end of a meeting, one issue at a time.
import type { IssueEditMeta, JiraApi, JiraField } from '../jira/api';
import type { JiraResult } from '../jira/http';

export type PreflightProblemKind = 'fieldMissing' | 'noPermission' | 'notOnScreen' | 'notEditable' | 'notFound' | 'error';

export interface PreflightProblem {
  kind: PreflightProblemKind;
  /** Null when the problem is not about one issue (e.g. the field does not exist). */
  issueId: string | null;
  issueKey: string | null;
  message: string;
  fix: string;
}

export interface PreflightIssue {
  id: string;
  key: string;
  issueType: string;
}

export interface PreflightInput {
  projectKey: string;
  fieldId: string;
  fieldName: string;
  fields: JiraField[];
  canEditProject: boolean;
  issues: PreflightIssue[];
  editMeta: Map<string, JiraResult<IssueEditMeta>>;
}

const screensHint = (projectKey: string, issueType: string) =>
  `Company-managed project: Project settings → Issue types${issueType ? ` → ${issueType}` : ''} → Screens, then add the field to the Edit screen (or Project settings → Screens). ` +
  `Team-managed project: Project settings → Issue types${issueType ? ` → ${issueType}` : ''}, then drag the field onto the issue layout. (Project ${projectKey})`;

/** Pure: turns what Jira said into the list of problems, each with the fix an admin must make. */
export const evaluatePreflight = (input: PreflightInput): PreflightProblem[] => {
  const { fieldId, fieldName, projectKey } = input;
  if (!input.fields.some((f) => f.id === fieldId)) {
    return [
      {
        kind: 'fieldMissing',
        issueId: null,
        issueKey: null,
        message: `The estimation field ${fieldName} (${fieldId}) does not exist in this Jira site.`,
        fix: 'Choose another estimation field, or ask a Jira admin to configure the board’s estimation (Board settings → Estimation).',
      },
    ];
  }
  const problems: PreflightProblem[] = [];
  for (const issue of input.issues) {
    const result = input.editMeta.get(issue.id);
    const base = { issueId: issue.id, issueKey: issue.key };
    if (!result) continue;
    if (!result.ok) {
      if (result.error.kind === 'notFound') {
        problems.push({ ...base, kind: 'notFound', message: `${issue.key} no longer exists, or you cannot see it.`, fix: 'Leave it out of the session.' });
      } else if (result.error.kind === 'forbidden') {
        problems.push({ ...base, kind: 'noPermission', message: `You don't have permission to view ${issue.key} in Jira.`, fix: `Ask a Jira admin for the Browse projects permission in ${projectKey}.` });
      } else {
        problems.push({ ...base, kind: 'error', message: `Could not check ${issue.key}: ${result.error.message}`, fix: 'Try the check again.' });
      }
      continue;
    }
    const meta = result.value.fields[fieldId];
    const issueProject = result.value.projectKey || projectKey;
    if (!meta) {
      if (!input.canEditProject || Object.keys(result.value.fields).length === 0) {
        problems.push({
          ...base,
          kind: 'noPermission',
          message: `You don't have permission to edit ${issue.key} in Jira.`,
          fix: `Ask a Jira admin to grant you the Edit issues permission in project ${issueProject} (Project settings → Permissions).`,
        });
      } else {
        problems.push({
          ...base,
          kind: 'notOnScreen',
          message: `The ${fieldName} field is not on the edit screen of ${issue.key}${issue.issueType ? ` (${issue.issueType})` : ''}.`,
          fix: `Add the ${fieldName} field to the Edit screen of project ${issueProject}. ${screensHint(issueProject, issue.issueType)}`,
        });
      }
      continue;
    }
    if (!meta.operations.includes('set')) {
      problems.push({
        ...base,
        kind: 'notEditable',
        message: `The ${fieldName} field cannot be set on ${issue.key}.`,
        fix: `Ask a Jira admin to make ${fieldName} editable for ${issue.issueType || 'this issue type'} in project ${issueProject} (field configuration and field context of the issue type).`,
      });
    }
  }
  return problems;
};

/** Runs the Jira calls for a pre-flight check, a few issues at a time to stay clear of rate limits. */
export const runPreflight = async (
  jira: JiraApi,
  projectKey: string,
  fieldId: string,
  fieldName: string,
  issues: PreflightIssue[],
  options: { concurrency?: number; knownFields?: JiraField[] } = {},
): Promise<JiraResult<PreflightProblem[]>> => {
  const concurrency = options.concurrency ?? 4;
  const knownFields = options.knownFields;
  const [fields, canEdit] = await Promise.all([
    knownFields && knownFields.length > 0 ? Promise.resolve({ ok: true as const, value: knownFields }) : jira.fields(),
    jira.canEditIssues(projectKey),
  ]);
  if (!fields.ok) return fields;
  const editMeta = new Map<string, JiraResult<IssueEditMeta>>();
  let next = 0;
  const worker = async () => {
    while (next < issues.length) {
      const issue = issues[next++];
      if (issue) editMeta.set(issue.id, await jira.editMeta(issue.id, fieldId));
    }
  };
  if (fields.value.some((f) => f.id === fieldId)) {
    await Promise.all(Array.from({ length: Math.min(concurrency, issues.length) }, worker));
  }
  return {
    ok: true,
    value: evaluatePreflight({
      projectKey,
      fieldId,
      fieldName,
      fields: fields.value,
      canEditProject: canEdit.ok ? canEdit.value : true,
      issues,
      editMeta,
    }),
  };
};

/** The field to default to when the board has no estimation field configured. */
export const detectEstimationField = (fields: JiraField[]): JiraField | undefined =>
  fields.find((f) => f.name === 'Story Points' && f.custom) ??
  fields.find((f) => f.name === 'Story point estimate' && f.custom) ??
  fields.find((f) => /story points?/i.test(f.name) && f.schemaType === 'number');
