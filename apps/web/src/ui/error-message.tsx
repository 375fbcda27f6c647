import type { QuarryError } from '@quarry/contracts';
import type { ReactNode } from 'react';

type ErrorMessageProps = {
  error: QuarryError;
  id?: string;
  testId?: string;
  children?: ReactNode;
};

/** An error as a person reads it: what happened, then what to do. Announced when it appears. */
export function ErrorMessage({ error, id, testId, children }: ErrorMessageProps) {
  return (
    <div className="error-message" role="alert" id={id} data-testid={testId} data-code={error.code}>
      <p className="error-text">{error.message}</p>
      {error.hint ? <p className="error-hint">{error.hint}</p> : null}
      {children}
    </div>
  );
}
