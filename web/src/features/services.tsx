// The app's dependencies, created once per page load in main.tsx (or by a test) and handed
// down through context: no module-level mutable state.
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { AppContext, AppHistory, Platform } from '../platform/types';
import { JiraApi } from '../jira/api';
import { UserDirectory } from '../jira/users';
import { SessionClient } from '../remote/client';

export interface Services {
  platform: Platform;
  context: AppContext;
  history: AppHistory | null;
  jira: JiraApi;
  sessions: SessionClient;
  users: UserDirectory;
}

export const createServices = (platform: Platform, context: AppContext, history: AppHistory | null): Services => {
  const jira = new JiraApi(platform);
  return { platform, context, history, jira, sessions: new SessionClient(platform), users: new UserDirectory(jira) };
};

const ServicesContext = createContext<Services | null>(null);
export const ServicesProvider = ServicesContext.Provider;

export const useServices = (): Services => {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices must be used inside <ServicesProvider>');
  return services;
};

/** Resolves account ids to Jira users, re-rendering when names arrive. */
export const useUsers = (accountIds: readonly string[]) => {
  const { users } = useServices();
  const [, setTick] = useState(0);
  const key = accountIds.join(',');
  useEffect(() => users.subscribe(() => setTick((t) => t + 1)), [users]);
  useEffect(() => {
    void users.load(accountIds);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [users, key]);
  return users;
};
