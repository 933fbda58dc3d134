// A Platform without a host: every call is recorded and answered by a handler the test sets.
import type { AppContext, AppHistory, HttpMethod, InvokeResponse, JiraRequestInit, Platform, PlatformResponse } from '../platform/types';

export interface RecordedCall {
  channel: 'jira' | 'invoke' | 'remote';
  path: string;
  method: string;
  body: unknown;
}

type Answer<T> = T | Promise<T>;
export type Handler<T> = (call: RecordedCall) => Answer<T>;

export const json = (status: number, body?: unknown, headers: Record<string, string> = {}): PlatformResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: body === undefined ? '' : JSON.stringify(body),
});

export const someContext = (overrides: Partial<AppContext> = {}): AppContext => ({
  moduleKey: 'estimo-project-page',
  accountId: 'acc-me',
  siteUrl: 'https://example.atlassian.net',
  locale: 'en-GB',
  timezone: 'UTC',
  projectKey: 'EST',
  projectId: '10000',
  issueId: undefined,
  issueKey: undefined,
  ...overrides,
});

export class FakePlatform implements Platform {
  readonly calls: RecordedCall[] = [];
  readonly sleeps: number[] = [];
  jiraHandler: Handler<PlatformResponse> = (call) => json(404, { errorMessages: [`no fake for ${call.path}`] });
  remoteHandler: Handler<PlatformResponse> = (call) => json(404, { code: 'not_found', detail: `no fake for ${call.path}` });
  invokeHandler: Handler<InvokeResponse> = (call) => ({ status: 404, headers: {}, body: { code: 'not_found', detail: call.path } });
  /** By default sleeping is instant; tests of timing replace it with a timer-based one. */
  sleepImpl: (ms: number) => Promise<void> = () => Promise.resolve();
  context = someContext();
  history: AppHistory | null = null;

  getContext = async () => this.context;

  requestJira = async (path: string, init?: JiraRequestInit) => {
    const call: RecordedCall = { channel: 'jira', path, method: init?.method ?? 'GET', body: init?.body };
    this.calls.push(call);
    return this.jiraHandler(call);
  };

  invokeRemote = async (path: string, method: HttpMethod, body?: unknown) => {
    const call: RecordedCall = { channel: 'invoke', path, method, body };
    this.calls.push(call);
    return this.invokeHandler(call);
  };

  requestRemote = async (path: string, method: HttpMethod, body?: unknown) => {
    const call: RecordedCall = { channel: 'remote', path, method, body };
    this.calls.push(call);
    return this.remoteHandler(call);
  };

  enableTheme = async () => undefined;
  createHistory = async () => this.history;
  projectPageUrl = async (projectKey: string, path: string) =>
    `https://example.atlassian.net/jira/software/projects/${projectKey}/apps/estimo${path}`;

  sleep = (ms: number) => {
    this.sleeps.push(ms);
    return this.sleepImpl(ms);
  };

  callsTo(channel: RecordedCall['channel']) {
    return this.calls.filter((c) => c.channel === channel);
  }
}
