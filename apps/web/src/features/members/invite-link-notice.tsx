import { INVITE_TTL_DAYS } from '@quarry/contracts';
import { useId, useRef, useState } from 'react';
import type { RouterOutputs } from '../../trpc';
import { roleLabel } from '../../ui/labels';
import { useToast } from '../../ui/toast';

export type CreatedInvite = RouterOutputs['invites']['create'];

type CopyState = 'idle' | 'copied' | 'failed';

/** The invite link, shown exactly once, right after the invitation was made. */
export function InviteLinkNotice({ created, onDismiss }: { created: CreatedInvite; onDismiss: () => void }) {
  const id = useId();
  const field = useRef<HTMLInputElement>(null);
  const [copy, setCopy] = useState<CopyState>('idle');
  const toast = useToast();
  const url = `${window.location.origin}${created.link}`;

  const copyLink = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopy('copied');
      toast('Invite link copied');
    } catch {
      field.current?.select();
      setCopy('failed');
    }
  };

  return (
    <section className="notice" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>
        {created.invite.email} is invited as {roleLabel(created.invite.role)}
      </h2>
      <label htmlFor={`${id}-link`}>Invite link</label>
      <div className="notice-row">
        <input
          id={`${id}-link`}
          ref={field}
          className="mono"
          type="text"
          readOnly
          value={url}
          onFocus={(event) => event.currentTarget.select()}
          aria-describedby={`${id}-warning`}
        />
        <button type="button" className="button button-primary" onClick={copyLink}>
          Copy
        </button>
      </div>
      <p className="notice-warning" id={`${id}-warning`}>
        Send this link to {created.invite.email}. It works once, for {INVITE_TTL_DAYS} days, and Quarry will
        not show it again.
      </p>
      <p className="muted small" aria-live="polite">
        {copy === 'copied' ? 'Copied to the clipboard.' : null}
        {copy === 'failed'
          ? 'Your browser did not allow copying; the link is selected, press Ctrl+C or ⌘C.'
          : null}
      </p>
      <button type="button" className="button button-quiet" onClick={onDismiss}>
        Done
      </button>
    </section>
  );
}
