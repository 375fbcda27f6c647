import { AlertDialog } from 'radix-ui';
import type { ReactNode } from 'react';
import { DangerActions } from './danger-actions';

type DangerDialogProps = {
  /** What will happen, as a question: "Delete Warehouse?". */
  title: ReactNode;
  /** What stops working, and whether it can be undone. */
  description: ReactNode;
  /** What the prompt shows below the description, e.g. the projects that use the asset. */
  children?: ReactNode;
  confirmLabel: string;
  pending: boolean;
  disabled?: boolean;
  onConfirm: () => void;
  error?: unknown;
  onOpenChange: (open: boolean) => void;
  /** Absent: the dialog is open while it is rendered. */
  open?: boolean;
  /** The button that opens it, when the dialog stays rendered (closed) beside its row. */
  trigger?: ReactNode;
};

/**
 * A titled "are you sure?" for removing something that others rely on: it names the thing, says
 * what stops working, and can list who uses it before the danger button goes ahead.
 */
export function DangerDialog({
  title,
  description,
  children,
  onOpenChange,
  open = true,
  trigger,
  ...actions
}: DangerDialogProps) {
  return (
    <AlertDialog.Root open={open} onOpenChange={onOpenChange}>
      {trigger ? <AlertDialog.Trigger className="button">{trigger}</AlertDialog.Trigger> : null}
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="dialog-overlay" />
        <AlertDialog.Content className="dialog dialog-small">
          <div className="dialog-header">
            <AlertDialog.Title className="dialog-title">{title}</AlertDialog.Title>
          </div>
          <div className="dialog-body">
            <AlertDialog.Description>{description}</AlertDialog.Description>
            {children}
            <DangerActions {...actions} />
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
