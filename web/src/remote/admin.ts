// The admin page's data API (docs/api.md "Admin: data & privacy"). Both calls go through the
// invoke path: the remote asks Jira, as the user, whether they are a site admin.
import type { Platform } from '../platform/types';
import { toProblem } from './client';
import type { RemoteResult } from './types';

export interface DataSummary {
  sessions: number;
  storedAccountIds: number;
  oldestData: string | null;
  lastPersonalDataReport: string | null;
  lastDeletedAt: string | null;
  siteName: string | null;
}

export interface DeleteResult {
  sessionsDeleted: number;
  accountIdsDeleted: number;
  systemTokensDeleted: number;
  dataKeysDestroyed: number;
  nothingWasStored: boolean;
}

export class AdminDataClient {
  constructor(private readonly platform: Platform) {}

  summary(): Promise<RemoteResult<DataSummary>> {
    return this.invoke<DataSummary>('/api/admin/data', 'GET');
  }

  /** Deletes this site's Estimo data now; `confirm` is the site name the admin typed. */
  deleteNow(confirm: string): Promise<RemoteResult<DeleteResult>> {
    return this.invoke<DeleteResult>('/api/admin/data/delete', 'POST', { confirm });
  }

  private async invoke<T>(path: string, method: 'GET' | 'POST', body?: unknown): Promise<RemoteResult<T>> {
    try {
      const response = await this.platform.invokeRemote(path, method, body);
      if (response.status >= 200 && response.status < 300) {
        const value = typeof response.body === 'string' ? (JSON.parse(response.body) as T) : (response.body as T);
        return { ok: true, value };
      }
      return { ok: false, problem: toProblem(response.status, response.body, response.headers) };
    } catch (error) {
      return {
        ok: false,
        problem: { status: 0, code: 'network', title: '', detail: `Could not reach the Estimo service: ${error instanceof Error ? error.message : String(error)}` },
      };
    }
  }
}
