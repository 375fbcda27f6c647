import { AlertDialog } from 'radix-ui';
import { ErrorMessage } from './error-message';
import { quarryErrorOf } from './quarry-error';
import { Spinner } from './spinner';

type DangerActionsProps = {
  /** The confirming button's name, e.g. "Yes, delete". */
  confirmLabel: string;
  pending: boolean;
  /** Held back while the prompt still loads what it must show first (pending holds it too). */
  disabled?: boolean;
  onConfirm: () => void;
  /** The confirmed action's failure, shown inside the prompt (the page behind is covered). */
  error?: unknown;
};

/**
 * The foot of every destructive AlertDialog: the failure if there is one, Cancel, and the one
 * danger button that goes ahead. Only for use inside an AlertDialog.Content.
 */
export function DangerActions({ confirmLabel, pending, disabled, onConfirm, error }: DangerActionsProps) {
  return (
    <>
      {error ? <ErrorMessage error={quarryErrorOf(error)} /> : null}
      <div className="dialog-actions">
        <AlertDialog.Cancel className="button button-quiet">Cancel</AlertDialog.Cancel>
        <button
          type="button"
          className="button button-danger"
          onClick={onConfirm}
          disabled={pending || disabled}
          aria-busy={pending}
        >
          {pending ? <Spinner /> : null}
          {confirmLabel}
        </button>
      </div>
    </>
  );
}
