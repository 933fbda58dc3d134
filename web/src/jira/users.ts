// Display names and avatars, fetched live from Jira and cached in memory for this page
// load only. They are never sent to the remote (it stores accountIds only).
import type { IssueSummary, JiraApi, JiraUser } from './api';
import { BatchCache } from './cache';

export class UserDirectory extends BatchCache<JiraUser> {
  constructor(jira: Pick<JiraApi, 'usersBulk'>) {
    super((ids) => jira.usersBulk(ids), (user) => user.accountId);
  }

  displayName(accountId: string): string {
    return this.get(accountId)?.displayName ?? 'Unknown user';
  }
}

/** Issue summaries for lists (sidebar, async board), by issue id. */
export class IssueDirectory extends BatchCache<IssueSummary> {
  constructor(jira: Pick<JiraApi, 'issuesByIds'>) {
    super((ids) => jira.issuesByIds(ids), (issue) => issue.id);
  }
}
