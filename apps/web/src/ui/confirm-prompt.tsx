import { AlertDialog } from 'radix-ui';
import type { ReactNode } from 'react';
import { DangerActions } from './danger-actions';

type ConfirmPromptProps = {
  /** What will happen, as a question. */
  question: ReactNode;
  /** The confirming button's name, e.g. "Yes, revoke". */
  confirmLabel: string;
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  /** The confirmed action's failure, shown inside the prompt (the page behind is covered). */
  error?: unknown;
  /** Kept for callers written for the inline prompt; the dialog lays itself out. */
  block?: boolean;
};

/**
 * The "are you sure?" of a destructive action, on Radix's AlertDialog: it takes focus, Escape or
 * Cancel backs out, and only the danger button goes ahead. Render it to ask; unmount it when done.
 */
export function ConfirmPrompt({
  question,
  confirmLabel,
  pending,
  onConfirm,
  onCancel,
  error,
}: ConfirmPromptProps) {
  return (
    <AlertDialog.Root open onOpenChange={(open) => (open ? undefined : onCancel())}>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="dialog-overlay" />
        <AlertDialog.Content className="dialog dialog-small">
          <div className="dialog-body">
            <AlertDialog.Title className="confirm-question">{question}</AlertDialog.Title>
            <AlertDialog.Description className="visually-hidden">
              {confirmLabel} to go ahead, or Cancel.
            </AlertDialog.Description>
            <DangerActions
              confirmLabel={confirmLabel}
              pending={pending}
              onConfirm={onConfirm}
              error={error}
            />
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
