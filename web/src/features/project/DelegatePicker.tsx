import { useState } from 'preact/hooks';
import type { JiraUser } from '../../jira/api';
import { UserName } from '../../ui/common';
import { useServices, useUsers } from '../services';

interface Props {
  delegateIds: string[];
  onChange(ids: string[]): void;
}

/** People who may run the session with the facilitator (reveal, next, timer…). */
export const DelegatePicker = ({ delegateIds, onChange }: Props) => {
  const { jira } = useServices();
  const users = useUsers(delegateIds);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<JiraUser[]>([]);
  const [status, setStatus] = useState('');

  const search = async () => {
    if (query.trim().length < 2) return setStatus('Type at least two letters.');
    const result = await jira.searchUsers(query.trim());
    if (!result.ok) return setStatus(`Could not search people: ${result.error.message}`);
    setFound(result.value.filter((u) => !delegateIds.includes(u.accountId)));
    setStatus(result.value.length === 0 ? 'Nobody found.' : `${result.value.length} found.`);
  };

  return (
    <fieldset class="fieldset">
      <legend>Delegates (optional)</legend>
      <div class="toolbar">
        <label class="inline-field">
          <span>Find people</span>
          <input
            type="search"
            value={query}
            onInput={(e) => setQuery((e.currentTarget as HTMLInputElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                void search();
              }
            }}
          />
        </label>
        <button type="button" class="button" onClick={() => void search()}>
          Search
        </button>
        <span class="muted" role="status">
          {status}
        </span>
      </div>
      {found.length > 0 && (
        <ul class="plain-list">
          {found.map((user) => (
            <li key={user.accountId}>
              <button
                type="button"
                class="link-button"
                onClick={() => {
                  onChange([...delegateIds, user.accountId]);
                  setFound(found.filter((u) => u.accountId !== user.accountId));
                }}
              >
                Add {user.displayName} as delegate
              </button>
            </li>
          ))}
        </ul>
      )}
      {delegateIds.length > 0 && (
        <ul class="plain-list">
          {delegateIds.map((id) => (
            <li key={id}>
              <UserName users={users} accountId={id} />{' '}
              <button type="button" class="link-button" onClick={() => onChange(delegateIds.filter((d) => d !== id))}>
                Remove {users.displayName(id)}
              </button>
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
};
