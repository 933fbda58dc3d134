import { useEffect, useState } from 'preact/hooks';
import type { IssueDetails } from '../../jira/api';
import type { JiraError } from '../../jira/http';
import { useServices } from '../services';

/** The issue under discussion, fetched live from Jira as the viewer (the remote stores ids only). */
export const CurrentIssue = ({ issueId, issueKey }: { issueId: string; issueKey: string }) => {
  const { jira } = useServices();
  const [details, setDetails] = useState<IssueDetails | null>(null);
  const [error, setError] = useState<JiraError | null>(null);
  useEffect(() => {
    let live = true;
    setDetails(null);
    setError(null);
    void jira.issue(issueId).then((result) => {
      if (!live) return;
      if (result.ok) setDetails(result.value);
      else setError(result.error);
    });
    return () => {
      live = false;
    };
  }, [jira, issueId]);

  return (
    <section class="panel issue" aria-labelledby="current-issue-heading">
      <h3 id="current-issue-heading">
        <span class="issue__key">{issueKey}</span>
        {details ? `: ${details.summary}` : ''}
      </h3>
      {details && (
        <p class="issue__meta">
          <span class="tag">{details.issueType}</span>
          <span class="tag">{details.status}</span>
        </p>
      )}
      {!details && !error && <p class="muted">Loading the issue from Jira…</p>}
      {error && (
        <p class="muted" role="status">
          {error.kind === 'notFound'
            ? `${issueKey} no longer exists in Jira, or you cannot see it.`
            : `Could not load ${issueKey} from Jira: ${error.message}`}
        </p>
      )}
      {details && details.descriptionParagraphs.length > 0 && (
        <div class="issue__description">
          {details.descriptionParagraphs.map((text, index) => (
            <p key={index}>{text}</p>
          ))}
        </div>
      )}
    </section>
  );
};
