// A per-page-load cache of things fetched from Jira in batches (users, issue summaries).
// Lives in the app's services, never in module state, and is never sent to the remote.
import type { JiraResult } from './http';

export class BatchCache<T> {
  private readonly known = new Map<string, T>();
  private readonly requested = new Set<string>();
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly fetchBatch: (ids: string[]) => Promise<JiraResult<T[]>>,
    private readonly idOf: (item: T) => string,
  ) {}

  get(id: string): T | undefined {
    return this.known.get(id);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Fetches ids not asked for yet; on failure they may be asked for again later. */
  async load(ids: readonly string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => id && !this.requested.has(id));
    if (missing.length === 0) return;
    missing.forEach((id) => this.requested.add(id));
    const result = await this.fetchBatch(missing);
    if (!result.ok) {
      missing.forEach((id) => this.requested.delete(id));
      return;
    }
    result.value.forEach((item) => this.known.set(this.idOf(item), item));
    this.listeners.forEach((listener) => listener());
  }
}
