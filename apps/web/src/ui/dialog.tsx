import { Dialog as Primitive } from 'radix-ui';
import type { ReactNode } from 'react';

type DialogProps = {
  /** The dialog's accessible name and visible title. */
  title: string;
  /** A line under the title, such as what the dialog acts on. */
  subtitle?: string;
  onClose: () => void;
  children: ReactNode;
};

/**
 * A modal dialog on Radix's Dialog: focus moves in and stays there, Escape and a click outside close
 * it, focus returns to what opened it, and the page behind is hidden from assistive technology.
 * Render it to open it; unmount it to close it.
 */
export function Dialog({ title, subtitle, onClose, children }: DialogProps) {
  return (
    <Primitive.Root open onOpenChange={(open) => (open ? undefined : onClose())}>
      <Primitive.Portal>
        <Primitive.Overlay className="dialog-overlay" />
        <Primitive.Content className="dialog" {...(subtitle ? {} : { 'aria-describedby': undefined })}>
          <div className="dialog-header">
            <div>
              <Primitive.Title className="dialog-title">{title}</Primitive.Title>
              {subtitle ? (
                <Primitive.Description className="muted small">{subtitle}</Primitive.Description>
              ) : null}
            </div>
            <Primitive.Close className="button button-quiet">Close</Primitive.Close>
          </div>
          <div className="dialog-body">{children}</div>
        </Primitive.Content>
      </Primitive.Portal>
    </Primitive.Root>
  );
}
