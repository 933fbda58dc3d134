import type { Round, SessionView } from '../../remote/types';
import { UserName } from '../../ui/common';
import { useUsers } from '../services';
import { hasVoted } from './selectors';

/** Who is here and who has voted. Never shows anyone's card before reveal (the server does not send it). */
export const Participants = ({ view, round }: { view: SessionView; round: Round | undefined }) => {
  const users = useUsers(view.participants.map((p) => p.accountId));
  const voters = view.participants.filter((p) => p.role === 'voter');
  const voted = voters.filter((p) => hasVoted(round, p.accountId)).length;
  return (
    <section class="panel" aria-labelledby="participants-heading">
      <h3 id="participants-heading">
        Participants <span class="muted">({voted} of {voters.length} voted)</span>
      </h3>
      <ul class="participants">
        {view.participants.map((p) => {
          const didVote = hasVoted(round, p.accountId);
          return (
            <li key={p.accountId} class={`participant${p.isPresent ? '' : ' participant--away'}`}>
              <UserName users={users} accountId={p.accountId} />
              {p.accountId === view.viewerAccountId && <span class="muted">(you)</span>}
              <span class="tag">{p.role === 'observer' ? 'Observer' : 'Voter'}</span>
              {p.accountId === view.facilitatorAccountId && <span class="tag tag--brand">Facilitator</span>}
              {p.accountId !== view.facilitatorAccountId && p.canFacilitate && <span class="tag">Delegate</span>}
              <span class="presence">{p.isPresent ? 'Online' : 'Away'}</span>
              {p.role === 'voter' && (
                <span class={`voted${didVote ? ' voted--yes' : ''}`}>
                  <span aria-hidden="true">{didVote ? '✓ ' : '… '}</span>
                  {didVote ? 'Voted' : 'Not voted'}
                </span>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
};
