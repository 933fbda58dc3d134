import { useState } from 'preact/hooks';
import { useServices } from '../services';

/**
 * "Copy link": asks the host for the project page URL with the room's path
 * (router.getUrl, target "module"), then copies it. Clipboard access can be refused inside
 * the Forge iframe, so the link is also shown in a read-only field to copy by hand.
 */
export const CopyLink = ({ projectKey, sessionId }: { projectKey: string; sessionId: string }) => {
  const { platform } = useServices();
  const [url, setUrl] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const copy = async () => {
    try {
      const link = await platform.projectPageUrl(projectKey, `/session/${encodeURIComponent(sessionId)}`);
      setUrl(link);
      try {
        await navigator.clipboard.writeText(link);
        setStatus('Link copied. Anyone with access to the project can join with it.');
      } catch {
        setStatus('Copy the link below to invite others.');
      }
    } catch (error) {
      setStatus(`Could not create a link: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  return (
    <div class="copy-link">
      <button type="button" class="button" onClick={() => void copy()}>
        Copy link
      </button>
      {url && (
        <label class="inline-field">
          <span class="sr-only">Session link</span>
          <input type="text" readOnly value={url} onFocus={(e) => (e.currentTarget as HTMLInputElement).select()} />
        </label>
      )}
      <span role="status" class="muted">
        {status}
      </span>
    </div>
  );
};
