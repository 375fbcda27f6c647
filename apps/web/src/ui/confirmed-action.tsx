import { useState } from 'react';
import { ConfirmPrompt } from './confirm-prompt';
import { ErrorMessage } from './error-message';
import { quarryErrorOf } from './quarry-error';

type ConfirmedActionProps = {
  /** The button's name: "Revoke". */
  label: string;
  /** What will happen, as a question: "Revoke “ci”? Scripts using it stop working." */
  question: string;
  /** The confirming button's name: "Yes, revoke". */
  confirmLabel: string;
  /** The mutation behind it: its pending state and error are shown here. */
  action: { isPending: boolean; error: unknown; mutate: () => void };
};

/**
 * A destructive action in a list row: its button, the "are you sure?" it asks (where a failure
 * shows, as the page behind is covered), and the error after the prompt closes.
 */
export function ConfirmedAction({ label, question, confirmLabel, action }: ConfirmedActionProps) {
  const [confirming, setConfirming] = useState(false);
  return (
    <div className="row-actions">
      {confirming ? (
        <ConfirmPrompt
          question={question}
          confirmLabel={confirmLabel}
          pending={action.isPending}
          error={action.error}
          onConfirm={action.mutate}
          onCancel={() => setConfirming(false)}
        />
      ) : (
        <button type="button" className="button" onClick={() => setConfirming(true)}>
          {label}
        </button>
      )}
      {action.error && !confirming ? <ErrorMessage error={quarryErrorOf(action.error)} /> : null}
    </div>
  );
}
