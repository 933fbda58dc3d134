// The ONLY module that imports @forge/bridge. Everything else receives a `Platform`.
// Note: @forge/bridge reads globalThis.__bridge when it is first imported, so this module
// must only be loaded inside a Forge host (or the local simulator that injects __bridge).
import { invokeRemote, requestJira, requestRemote, router, view } from '@forge/bridge';
import type { AppContext, AppHistory, HttpMethod, Platform, PlatformResponse } from './types';
import { PROJECT_PAGE_MODULE, REMOTE_KEY } from './types';

const toPlain = async (response: Response): Promise<PlatformResponse> => {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return { status: response.status, headers, body: await response.text() };
};

const jsonInit = (method: HttpMethod, body: unknown): RequestInit => {
  const init: RequestInit = { method, headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
  }
  return init;
};

const asString = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;

interface HostHistory {
  location: { pathname: string };
  push(path: string): void;
  // history v4 passes the location; v5 passes { location, action }. Accept both.
  listen(listener: (update: { pathname?: string; location?: { pathname: string } }) => void): () => void;
}

export const createForgePlatform = (): Platform => ({
  async getContext(): Promise<AppContext> {
    const context = await view.getContext();
    const extension = (context.extension ?? {}) as Record<string, { key?: unknown; id?: unknown } | undefined>;
    return {
      moduleKey: context.moduleKey,
      accountId: context.accountId,
      siteUrl: context.siteUrl,
      locale: context.locale,
      timezone: context.timezone,
      projectKey: asString(extension['project']?.key),
      projectId: asString(extension['project']?.id),
      issueId: asString(extension['issue']?.id),
      issueKey: asString(extension['issue']?.key),
    };
  },
  async requestJira(path, init) {
    return toPlain(await requestJira(path, jsonInit(init?.method ?? 'GET', init?.body)));
  },
  async invokeRemote(path, method, body) {
    const response = await invokeRemote(body === undefined ? { path, method } : { path, method, body });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers ?? {})) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : String(value);
    }
    // On a failed invocation the bridge hands back its error object, which may lack a status.
    return { status: typeof response.status === 'number' ? response.status : 0, headers, body: response.body };
  },
  async requestRemote(path, method, body) {
    return toPlain(await requestRemote(REMOTE_KEY, { path, ...jsonInit(method, body) } as RequestInit & { path: string }));
  },
  async enableTheme() {
    await view.theme.enable();
  },
  async createHistory(): Promise<AppHistory | null> {
    try {
      const history = (await view.createHistory()) as unknown as HostHistory;
      return {
        pathname: () => history.location.pathname,
        push: (path) => history.push(path),
        listen: (onPath) => history.listen((update) => onPath(update.location?.pathname ?? update.pathname ?? '/')),
      };
    } catch {
      return null;
    }
  },
  async projectPageUrl(projectKey, path) {
    const url = await router.getUrl({ target: 'module', moduleKey: PROJECT_PAGE_MODULE, projectKey, path });
    if (!url) throw new Error('The host did not return a link.');
    return url.toString();
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
});
