import type { CreatedApiToken } from '@quarry/contracts';
import { useId, useRef, useState } from 'react';

type CopyState = 'idle' | 'copied' | 'failed';

/** The secret, shown exactly once, right after it was created. */
export function NewTokenNotice({ created, onDismiss }: { created: CreatedApiToken; onDismiss: () => void }) {
  const id = useId();
  const field = useRef<HTMLInputElement>(null);
  const [copy, setCopy] = useState<CopyState>('idle');

  const copyToken = async () => {
    try {
      await navigator.clipboard.writeText(created.token);
      setCopy('copied');
    } catch {
      field.current?.select();
      setCopy('failed');
    }
  };

  return (
    <section className="new-token" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Token “{created.summary.name}” created</h2>
      <label htmlFor={`${id}-token`}>Your new token</label>
      <div className="new-token-row">
        <input
          id={`${id}-token`}
          ref={field}
          className="mono"
          type="text"
          readOnly
          value={created.token}
          onFocus={(event) => event.currentTarget.select()}
          aria-describedby={`${id}-warning`}
        />
        <button type="button" className="button button-primary" onClick={copyToken}>
          Copy
        </button>
      </div>
      <p className="new-token-warning" id={`${id}-warning`}>
        Copy it now: Quarry will not show it again.
      </p>
      <p className="muted small" aria-live="polite">
        {copy === 'copied' ? 'Copied to the clipboard.' : null}
        {copy === 'failed'
          ? 'Your browser did not allow copying; the token is selected, press Ctrl+C or ⌘C.'
          : null}
      </p>
      <button type="button" className="button button-quiet" onClick={onDismiss}>
        Done
      </button>
    </section>
  );
}
