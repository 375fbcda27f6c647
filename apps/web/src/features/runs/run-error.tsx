import type { QuarryError } from '@quarry/contracts';
import type { SqlDialect } from '@quarry/notebook';
import { ErrorMessage } from '../../ui/error-message';
import { sqlErrorPositionOf } from './sql-position';

/** A failed run: the message, what to do, and for SQL errors where in the query it went wrong. */
export function RunError({
  error,
  source,
  dialect = 'postgresql',
}: {
  error: QuarryError;
  source: string;
  /** The SQL cell's dialect, to place the position in its text; null where the text is not SQL. */
  dialect?: SqlDialect | null;
}) {
  const at = sqlErrorPositionOf(error, source, dialect);
  const detail = error.details?.detail;
  return (
    <ErrorMessage error={error} testId="run-error">
      {typeof detail === 'string' && detail ? <p className="error-detail">{detail}</p> : null}
      {at ? (
        <div className="error-position">
          <p>
            Line {at.line}, column {at.column}
          </p>
          <pre className="error-snippet" aria-hidden="true">
            {at.text}
            {'\n'}
            {`${' '.repeat(Math.max(0, at.column - 1))}^`}
          </pre>
        </div>
      ) : null}
    </ErrorMessage>
  );
}
