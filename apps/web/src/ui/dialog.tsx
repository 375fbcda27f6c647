import { type ReactNode, useEffect, useId, useRef } from 'react';

type DialogProps = {
  /** The dialog's accessible name and visible title. */
  title: string;
  /** A line under the title, such as what the dialog acts on. */
  subtitle?: string;
  onClose: () => void;
  children: ReactNode;
};

/**
 * A modal dialog on the native `<dialog>`: the browser traps focus, Escape closes it, and the page
 * behind stays inert. Render it to open it; unmount it to close it.
 */
export function Dialog({ title, subtitle, onClose, children }: DialogProps) {
  const id = useId();
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    // No close() on cleanup: leaving the DOM takes a modal out of the top layer, and a close event
    // from StrictMode's second mount would shut the dialog it just opened.
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  return (
    <dialog ref={ref} className="dialog" aria-labelledby={`${id}-title`} onClose={onClose}>
      <div className="dialog-header">
        <div>
          <h2 id={`${id}-title`} className="dialog-title">
            {title}
          </h2>
          {subtitle ? <p className="muted small">{subtitle}</p> : null}
        </div>
        <button type="button" className="button button-quiet" onClick={onClose}>
          Close
        </button>
      </div>
      <div className="dialog-body">{children}</div>
    </dialog>
  );
}
