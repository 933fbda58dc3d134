// The app's dependencies, created once per page load in main.tsx (or by a test) and handed
// down through context: no module-level mutable state.
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { AppContext, AppHistory, Platform } from '../platform/types';
import { JiraApi } from '../jira/api';
import { IssueDirectory, UserDirectory } from '../jira/users';
import { SessionClient } from '../remote/client';

export interface Services {
  platform: Platform;
  context: AppContext;
  history: AppHistory | null;
  jira: JiraApi;
  sessions: SessionClient;
  users: UserDirectory;
  issues: IssueDirectory;
}

export const createServices = (platform: Platform, context: AppContext, history: AppHistory | null): Services => {
  const jira = new JiraApi(platform);
  return {
    platform,
    context,
    history,
    jira,
    sessions: new SessionClient(platform),
    users: new UserDirectory(jira),
    issues: new IssueDirectory(jira),
  };
};

const ServicesContext = createContext<Services | null>(null);
export const ServicesProvider = ServicesContext.Provider;

export const useServices = (): Services => {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices must be used inside <ServicesProvider>');
  return services;
};

/** Loads ids into a cache and re-renders when they arrive. */
interface Loadable {
  load(ids: readonly string[]): Promise<void>;
  subscribe(listener: () => void): () => void;
}

const useCache = <C extends Loadable>(cache: C, ids: readonly string[]): C => {
  const [, setTick] = useState(0);
  const key = ids.join(',');
  useEffect(() => cache.subscribe(() => setTick((t) => t + 1)), [cache]);
  useEffect(() => {
    void cache.load(ids);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cache, key]);
  return cache;
};

/** Resolves account ids to Jira users (names, avatars). */
export const useUsers = (accountIds: readonly string[]) => useCache(useServices().users, accountIds);

/** Resolves issue ids to summaries. */
export const useIssueSummaries = (issueIds: readonly string[]) => useCache(useServices().issues, issueIds);
