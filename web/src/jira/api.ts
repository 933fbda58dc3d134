// Typed Jira REST calls made by the browser as the logged-in user.
import type { Platform } from '../platform/types';
import { adfToParagraphs } from './adf';
import { jiraJson, jiraRequest, type JiraResult, type RetryPolicy } from './http';

export interface JiraUser {
  accountId: string;
  displayName: string;
  avatarUrl: string | undefined;
}
export interface Board {
  id: number;
  name: string;
  type: string;
}
export interface Sprint {
  id: number;
  name: string;
  state: string;
}
export interface IssueSummary {
  id: string;
  key: string;
  summary: string;
  issueType: string;
  status: string;
}
export interface IssueDetails extends IssueSummary {
  descriptionParagraphs: string[];
  projectKey: string;
}
export interface JiraField {
  id: string;
  name: string;
  custom: boolean;
  schemaType: string | undefined;
}
export interface EditMetaField {
  name: string;
  required: boolean;
  operations: string[];
}
export interface IssueEditMeta {
  id: string;
  key: string;
  projectKey: string;
  fields: Record<string, EditMetaField>;
}
export interface EstimationConfig {
  fieldId: string;
  fieldName: string;
}

export const MAX_SESSION_ISSUES = 500;
const PAGE = 100;
const ISSUE_FIELDS = 'summary,status,issuetype';

interface RawUser {
  accountId: string;
  displayName?: string;
  avatarUrls?: Record<string, string>;
}
interface RawIssue {
  id: string;
  key: string;
  fields?: {
    summary?: string;
    status?: { name?: string };
    issuetype?: { name?: string };
    description?: unknown;
    project?: { key?: string };
  };
}
interface Paged<T> {
  values?: T[];
  isLast?: boolean;
  startAt?: number;
  total?: number;
}

const enc = encodeURIComponent;

const toUser = (raw: RawUser): JiraUser => ({
  accountId: raw.accountId,
  displayName: raw.displayName ?? 'Unknown user',
  avatarUrl: raw.avatarUrls?.['48x48'] ?? raw.avatarUrls?.['24x24'],
});

const toIssue = (raw: RawIssue): IssueSummary => ({
  id: String(raw.id),
  key: raw.key,
  summary: raw.fields?.summary ?? '',
  issueType: raw.fields?.issuetype?.name ?? '',
  status: raw.fields?.status?.name ?? '',
});

const map = <T, U>(result: JiraResult<T>, fn: (value: T) => U): JiraResult<U> =>
  result.ok ? { ok: true, value: fn(result.value) } : result;

export class JiraApi {
  constructor(
    private readonly platform: Platform,
    private readonly retry?: RetryPolicy,
  ) {}

  private get<T>(path: string) {
    return jiraJson<T>(this.platform, path, { method: 'GET' }, this.retry);
  }

  async myself(): Promise<JiraResult<JiraUser>> {
    return map(await this.get<RawUser>('/rest/api/3/myself'), toUser);
  }

  /** Display names and avatars, in batches; unknown ids are simply absent. */
  async usersBulk(accountIds: readonly string[]): Promise<JiraResult<JiraUser[]>> {
    const users: JiraUser[] = [];
    for (let i = 0; i < accountIds.length; i += 50) {
      const batch = accountIds.slice(i, i + 50);
      const query = batch.map((id) => `accountId=${enc(id)}`).join('&');
      const result = await this.get<Paged<RawUser>>(`/rest/api/3/user/bulk?maxResults=50&${query}`);
      if (!result.ok) return result;
      users.push(...(result.value.values ?? []).map(toUser));
    }
    return { ok: true, value: users };
  }

  /** People to pick as delegates; apps and customers are left out. */
  async searchUsers(query: string): Promise<JiraResult<JiraUser[]>> {
    const result = await this.get<Array<RawUser & { accountType?: string; active?: boolean }>>(
      `/rest/api/3/user/search?query=${enc(query)}&maxResults=10`,
    );
    return map(result, (list) => list.filter((u) => (u.accountType ?? 'atlassian') === 'atlassian' && u.active !== false).map(toUser));
  }

  async projectBoards(projectKey: string): Promise<JiraResult<Board[]>> {
    const boards: Board[] = [];
    for (let startAt = 0; startAt < 1000; startAt += 50) {
      const result = await this.get<Paged<Board>>(
        `/rest/agile/1.0/board?projectKeyOrId=${enc(projectKey)}&startAt=${startAt}&maxResults=50`,
      );
      if (!result.ok) return result;
      const values = result.value.values ?? [];
      boards.push(...values.map((b) => ({ id: b.id, name: b.name, type: b.type })));
      if (result.value.isLast !== false || values.length === 0) break;
    }
    return { ok: true, value: boards };
  }

  /** The board's estimation field, when the board estimates with a field. */
  async boardEstimation(boardId: number): Promise<JiraResult<EstimationConfig | null>> {
    const result = await this.get<{ estimation?: { type?: string; field?: { fieldId?: string; displayName?: string } } }>(
      `/rest/agile/1.0/board/${boardId}/configuration`,
    );
    return map(result, (config) => {
      const field = config.estimation?.field;
      return field?.fieldId ? { fieldId: field.fieldId, fieldName: field.displayName ?? field.fieldId } : null;
    });
  }

  async boardSprints(boardId: number): Promise<JiraResult<Sprint[]>> {
    const result = await this.get<Paged<Sprint>>(`/rest/agile/1.0/board/${boardId}/sprint?state=active,future&maxResults=50`);
    return map(result, (page) => (page.values ?? []).map((s) => ({ id: s.id, name: s.name, state: s.state })));
  }

  private async agileIssues(basePath: string): Promise<JiraResult<IssueSummary[]>> {
    const issues: IssueSummary[] = [];
    for (let startAt = 0; issues.length < MAX_SESSION_ISSUES; startAt += PAGE) {
      const result = await this.get<{ issues?: RawIssue[]; total?: number }>(
        `${basePath}?startAt=${startAt}&maxResults=${PAGE}&fields=${ISSUE_FIELDS}`,
      );
      if (!result.ok) return result;
      const page = result.value.issues ?? [];
      issues.push(...page.map(toIssue));
      if (page.length < PAGE || (result.value.total !== undefined && startAt + page.length >= result.value.total)) break;
    }
    return { ok: true, value: issues.slice(0, MAX_SESSION_ISSUES) };
  }

  backlog(boardId: number) {
    return this.agileIssues(`/rest/agile/1.0/board/${boardId}/backlog`);
  }

  sprintIssues(sprintId: number) {
    return this.agileIssues(`/rest/agile/1.0/sprint/${sprintId}/issue`);
  }

  /** Enhanced JQL search with token pagination; bad JQL comes back as Jira's 400 message. */
  async searchJql(jql: string): Promise<JiraResult<IssueSummary[]>> {
    const issues: IssueSummary[] = [];
    let nextPageToken: string | undefined;
    do {
      const body: Record<string, unknown> = { jql, fields: ISSUE_FIELDS.split(','), maxResults: PAGE };
      if (nextPageToken) body['nextPageToken'] = nextPageToken;
      const result = await jiraJson<{ issues?: RawIssue[]; nextPageToken?: string; isLast?: boolean }>(
        this.platform,
        '/rest/api/3/search/jql',
        { method: 'POST', body },
        this.retry,
      );
      if (!result.ok) return result;
      issues.push(...(result.value.issues ?? []).map(toIssue));
      nextPageToken = result.value.isLast === true ? undefined : result.value.nextPageToken;
    } while (nextPageToken && issues.length < MAX_SESSION_ISSUES);
    return { ok: true, value: issues.slice(0, MAX_SESSION_ISSUES) };
  }

  /** Summaries of many issues by id, through JQL `id in (…)` in chunks of 100. */
  async issuesByIds(ids: readonly string[]): Promise<JiraResult<IssueSummary[]>> {
    const found: IssueSummary[] = [];
    const numeric = ids.filter((id) => /^\d+$/.test(id));
    for (let i = 0; i < numeric.length; i += PAGE) {
      const result = await this.searchJql(`id in (${numeric.slice(i, i + PAGE).join(',')})`);
      if (!result.ok) return result;
      found.push(...result.value);
    }
    return { ok: true, value: found };
  }

  async issue(issueIdOrKey: string): Promise<JiraResult<IssueDetails>> {
    const result = await this.get<RawIssue>(
      `/rest/api/3/issue/${enc(issueIdOrKey)}?fields=summary,description,status,issuetype,project`,
    );
    return map(result, (raw) => ({
      ...toIssue(raw),
      descriptionParagraphs: adfToParagraphs(raw.fields?.description),
      projectKey: raw.fields?.project?.key ?? '',
    }));
  }

  async editMeta(issueIdOrKey: string, fieldId: string): Promise<JiraResult<IssueEditMeta>> {
    const result = await this.get<RawIssue & { editmeta?: { fields?: Record<string, Partial<EditMetaField>> } }>(
      `/rest/api/3/issue/${enc(issueIdOrKey)}?expand=editmeta&fields=project,${enc(fieldId)}`,
    );
    return map(result, (raw) => {
      const fields: Record<string, EditMetaField> = {};
      for (const [id, meta] of Object.entries(raw.editmeta?.fields ?? {})) {
        fields[id] = { name: meta.name ?? id, required: meta.required ?? false, operations: meta.operations ?? [] };
      }
      return { id: String(raw.id), key: raw.key, projectKey: raw.fields?.project?.key ?? '', fields };
    });
  }

  async fields(): Promise<JiraResult<JiraField[]>> {
    const result = await this.get<Array<{ id: string; name: string; custom?: boolean; schema?: { type?: string } }>>(
      '/rest/api/3/field',
    );
    return map(result, (list) =>
      list.map((f) => ({ id: f.id, name: f.name, custom: f.custom ?? false, schemaType: f.schema?.type })),
    );
  }

  async canEditIssues(projectKey: string): Promise<JiraResult<boolean>> {
    const result = await this.get<{ permissions?: Record<string, { havePermission?: boolean }> }>(
      `/rest/api/3/mypermissions?projectKey=${enc(projectKey)}&permissions=EDIT_ISSUES`,
    );
    return map(result, (body) => body.permissions?.['EDIT_ISSUES']?.havePermission === true);
  }

  /** Writes the estimate into the issue's field as the user; Jira answers 204. */
  async setEstimate(issueIdOrKey: string, fieldId: string, value: number | string): Promise<JiraResult<void>> {
    const result = await jiraRequest(
      this.platform,
      `/rest/api/3/issue/${enc(issueIdOrKey)}`,
      { method: 'PUT', body: { fields: { [fieldId]: value } } },
      this.retry,
    );
    return map(result, () => undefined);
  }

  /** The property's value, or null when the issue has none yet. */
  async getProperty<T>(issueIdOrKey: string, key: string): Promise<JiraResult<T | null>> {
    const result = await this.get<{ value?: T }>(`/rest/api/3/issue/${enc(issueIdOrKey)}/properties/${enc(key)}`);
    if (!result.ok && result.error.kind === 'notFound') return { ok: true, value: null };
    return map(result, (body) => body.value ?? null);
  }

  async putProperty(issueIdOrKey: string, key: string, value: unknown): Promise<JiraResult<void>> {
    const result = await jiraRequest(
      this.platform,
      `/rest/api/3/issue/${enc(issueIdOrKey)}/properties/${enc(key)}`,
      { method: 'PUT', body: value },
      this.retry,
    );
    return map(result, () => undefined);
  }
}
