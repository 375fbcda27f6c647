import type { ReactNode } from 'react';
import { Spinner } from './spinner';

/**
 * The one way a form is sent: a primary submit button that shows a spinner and refuses a second
 * press while the request is in flight.
 */
export function SubmitButton({
  pending,
  children,
  className,
}: {
  pending: boolean;
  children: ReactNode;
  /** Extra classes, e.g. `button-block` on the sign-in card. */
  className?: string;
}) {
  return (
    <button
      type="submit"
      className={`button button-primary${className ? ` ${className}` : ''}`}
      disabled={pending}
      aria-busy={pending}
    >
      {pending ? <Spinner /> : null}
      {children}
    </button>
  );
}
