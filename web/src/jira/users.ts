// Display names and avatars, fetched live from Jira and cached in memory for this page
// load only. They are never sent to the remote (it stores accountIds only).
import type { JiraApi, JiraUser } from './api';

export class UserDirectory {
  private readonly known = new Map<string, JiraUser>();
  private readonly requested = new Set<string>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly jira: Pick<JiraApi, 'usersBulk'>) {}

  get(accountId: string): JiraUser | undefined {
    return this.known.get(accountId);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fetches the ids not asked for yet; failures leave them unknown (shown as "Unknown user"). */
  async load(accountIds: readonly string[]): Promise<void> {
    const missing = [...new Set(accountIds)].filter((id) => id && !this.requested.has(id));
    if (missing.length === 0) return;
    missing.forEach((id) => this.requested.add(id));
    const result = await this.jira.usersBulk(missing);
    if (!result.ok) {
      missing.forEach((id) => this.requested.delete(id));
      return;
    }
    result.value.forEach((user) => this.known.set(user.accountId, user));
    this.listeners.forEach((listener) => listener());
  }

  displayName(accountId: string): string {
    return this.known.get(accountId)?.displayName ?? 'Unknown user';
  }
}
