import type { ReactNode } from 'react';
import { Spinner } from './spinner';

type ConfirmPromptProps = {
  /** What will happen, as a question. */
  question: ReactNode;
  /** The confirming button's name, e.g. "Yes, revoke". */
  confirmLabel: string;
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  /** Laid out on its own line under a card instead of inside a table cell. */
  block?: boolean;
};

/** The inline "are you sure?" of a destructive action: the question, a danger button, Cancel. */
export function ConfirmPrompt({
  question,
  confirmLabel,
  pending,
  onConfirm,
  onCancel,
  block,
}: ConfirmPromptProps) {
  return (
    <div className={block ? 'confirm confirm-block' : 'confirm'}>
      <span>{question}</span>
      <button
        type="button"
        className="button button-danger"
        onClick={onConfirm}
        disabled={pending}
        aria-busy={pending}
      >
        {pending ? <Spinner /> : null}
        {confirmLabel}
      </button>
      <button type="button" className="button button-quiet" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
