// The host platform as the UI sees it. Only platform/bridge.ts implements this with
// @forge/bridge; tests and the rest of the UI depend on this interface alone.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A plain HTTP answer, whichever channel carried it. `body` is the raw text ('' when empty). */
export interface PlatformResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** invokeRemote answers with the body already parsed by the host. */
export interface InvokeResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface JiraRequestInit {
  method?: HttpMethod;
  body?: unknown;
}

/** What the UI reads from view.getContext(). */
export interface AppContext {
  moduleKey: string;
  accountId: string | undefined;
  siteUrl: string | undefined;
  locale: string | undefined;
  timezone: string | undefined;
  projectKey: string | undefined;
  projectId: string | undefined;
  issueId: string | undefined;
  issueKey: string | undefined;
}

/** The host's history for full-page modules (project page): the path after the app's URL. */
export interface AppHistory {
  pathname(): string;
  push(path: string): void;
  /** Returns an unsubscribe function. */
  listen(onPath: (path: string) => void): () => void;
}

export interface Platform {
  getContext(): Promise<AppContext>;
  /** Calls Jira REST as the current user. */
  requestJira(path: string, init?: JiraRequestInit): Promise<PlatformResponse>;
  /** The "invoke" path to the remote: FIT + the user's OAuth token. */
  invokeRemote(path: string, method: HttpMethod, body?: unknown): Promise<InvokeResponse>;
  /** The "direct" path to the remote: FIT only, lower latency. */
  requestRemote(path: string, method: HttpMethod, body?: unknown): Promise<PlatformResponse>;
  enableTheme(): Promise<void>;
  /** Null where the module has no history (e.g. issue panels). */
  createHistory(): Promise<AppHistory | null>;
  /** A shareable URL that opens the project page at `path` (for "Copy link"). */
  projectPageUrl(projectKey: string, path: string): Promise<string>;
  /** Waits; injectable so tests can use fake timers. */
  sleep(ms: number): Promise<void>;
}

export const PROJECT_PAGE_MODULE = 'estimo-project-page';
export const ISSUE_PANEL_MODULE = 'estimo-issue-panel';
export const ADMIN_PAGE_MODULE = 'estimo-admin-page';
export const REMOTE_KEY = 'estimo-remote';
