import { describe, expect, it } from 'vitest';
import type { IssueEditMeta, JiraField } from '../jira/api';
import { JiraApi } from '../jira/api';
import type { JiraResult } from '../jira/http';
import { FakePlatform, json } from '../test/fakePlatform';
import { detectEstimationField, evaluatePreflight, runPreflight, type PreflightInput } from './preflight';

const storyPoints: JiraField = { id: 'customfield_10016', name: 'Story Points', custom: true, schemaType: 'number' };
const meta = (fields: IssueEditMeta['fields']): JiraResult<IssueEditMeta> => ({
  ok: true,
  value: { id: '1', key: 'EST-1', projectKey: 'EST', fields },
});

const input = (overrides: Partial<PreflightInput> = {}): PreflightInput => ({
  projectKey: 'EST',
  fieldId: storyPoints.id,
  fieldName: storyPoints.name,
  fields: [storyPoints],
  canEditProject: true,
  issues: [{ id: '1', key: 'EST-1', issueType: 'Story' }],
  editMeta: new Map([['1', meta({ summary: { name: 'Summary', required: true, operations: ['set'] }, customfield_10016: { name: 'Story Points', required: false, operations: ['set'] } })]]),
  ...overrides,
});

describe('evaluatePreflight', () => {
  it('passes when the field is on the edit screen and settable', () => {
    expect(evaluatePreflight(input())).toEqual([]);
  });

  it('reports a field that does not exist, once, for all issues', () => {
    const problems = evaluatePreflight(input({ fields: [] }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'fieldMissing', issueId: null });
  });

  it('tells the admin to add the field to the Edit screen when it is not on it', () => {
    const problems = evaluatePreflight(input({ editMeta: new Map([['1', meta({ summary: { name: 'Summary', required: true, operations: ['set'] } })]]) }));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.kind).toBe('notOnScreen');
    expect(problems[0]?.message).toContain('EST-1');
    expect(problems[0]?.fix).toContain('Add the Story Points field to the Edit screen of project EST');
    expect(problems[0]?.fix).toContain('Project settings → Issue types → Story');
  });

  it('reports a field without the set operation as not editable', () => {
    const problems = evaluatePreflight(input({ editMeta: new Map([['1', meta({ customfield_10016: { name: 'Story Points', required: false, operations: [] } })]]) }));
    expect(problems[0]?.kind).toBe('notEditable');
  });

  it('reports missing edit permission instead of a screen problem', () => {
    const problems = evaluatePreflight(input({ canEditProject: false, editMeta: new Map([['1', meta({})]]) }));
    expect(problems[0]).toMatchObject({ kind: 'noPermission', message: "You don't have permission to edit EST-1 in Jira." });
  });

  it('reports deleted issues', () => {
    const problems = evaluatePreflight(
      input({ editMeta: new Map([['1', { ok: false, error: { kind: 'notFound', status: 404, message: 'Issue does not exist' } }]]) }),
    );
    expect(problems[0]?.kind).toBe('notFound');
  });
});

describe('runPreflight', () => {
  it('checks every issue with editmeta as the facilitator', async () => {
    const platform = new FakePlatform();
    platform.jiraHandler = (call) => {
      if (call.path === '/rest/api/3/field') return json(200, [{ id: storyPoints.id, name: 'Story Points', custom: true, schema: { type: 'number' } }]);
      if (call.path.startsWith('/rest/api/3/mypermissions')) return json(200, { permissions: { EDIT_ISSUES: { havePermission: true } } });
      const onScreen = call.path.startsWith('/rest/api/3/issue/1?');
      return json(200, {
        id: onScreen ? '1' : '2',
        key: onScreen ? 'EST-1' : 'EST-2',
        fields: { project: { key: 'EST' } },
        editmeta: { fields: onScreen ? { customfield_10016: { name: 'Story Points', operations: ['set'] } } : { summary: { name: 'Summary', operations: ['set'] } } },
      });
    };
    const result = await runPreflight(new JiraApi(platform), 'EST', storyPoints.id, 'Story Points', [
      { id: '1', key: 'EST-1', issueType: 'Story' },
      { id: '2', key: 'EST-2', issueType: 'Bug' },
    ]);
    expect(result.ok && result.value.map((p) => [p.issueKey, p.kind])).toEqual([['EST-2', 'notOnScreen']]);
    expect(platform.calls.some((c) => c.path === '/rest/api/3/mypermissions?projectKey=EST&permissions=EDIT_ISSUES')).toBe(true);
  });
});

describe('detectEstimationField', () => {
  it('prefers Story Points, then Story point estimate', () => {
    const estimate: JiraField = { id: 'customfield_10020', name: 'Story point estimate', custom: true, schemaType: 'number' };
    expect(detectEstimationField([estimate, storyPoints])?.id).toBe('customfield_10016');
    expect(detectEstimationField([estimate])?.id).toBe('customfield_10020');
    expect(detectEstimationField([])).toBeUndefined();
  });
});
