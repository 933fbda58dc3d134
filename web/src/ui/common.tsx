// Small shared pieces: status messages, avatars, loading text.
import type { ComponentChildren } from 'preact';
import type { UserDirectory } from '../jira/users';

export type Tone = 'info' | 'success' | 'warning' | 'error';

export interface NoticeMessage {
  tone: Tone;
  text: string;
}

/** Errors interrupt (role=alert); everything else is a polite status. */
export const Notice = ({ notice, children }: { notice: NoticeMessage | null; children?: ComponentChildren }) =>
  notice ? (
    <div class={`notice notice--${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'}>
      <span class="notice__icon" aria-hidden="true">
        {notice.tone === 'error' ? '✕' : notice.tone === 'warning' ? '!' : notice.tone === 'success' ? '✓' : 'i'}
      </span>
      <span class="notice__text">{notice.text}</span>
      {children}
    </div>
  ) : null;

/** A visually hidden live region for announcements that have no visible counterpart. */
export const LiveAnnouncer = ({ message }: { message: string }) => (
  <div class="sr-only" role="status" aria-live="polite" aria-atomic="true">
    {message}
  </div>
);

const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase() ?? '')
    .join('') || '?';

export const Avatar = ({ users, accountId }: { users: UserDirectory; accountId: string }) => {
  const user = users.get(accountId);
  return user?.avatarUrl ? (
    <img class="avatar" src={user.avatarUrl} alt="" width={24} height={24} />
  ) : (
    <span class="avatar avatar--initials" aria-hidden="true">
      {initials(user?.displayName ?? '?')}
    </span>
  );
};

export const UserName = ({ users, accountId }: { users: UserDirectory; accountId: string }) => (
  <span class="user">
    <Avatar users={users} accountId={accountId} />
    <span class="user__name">{users.displayName(accountId)}</span>
  </span>
);

export const Loading = ({ what }: { what: string }) => (
  <p class="loading" role="status">
    Loading {what}…
  </p>
);
