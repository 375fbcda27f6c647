import type { ReactNode } from 'react';
import { ErrorMessage } from './error-message';
import { quarryErrorOf } from './quarry-error';
import { Spinner } from './spinner';

/** The part of a react-query result this needs, so plain and infinite queries both fit. */
type QueryLike<T> = {
  error: unknown;
  data: T | undefined;
  refetch: () => unknown;
};

type QueryStateProps<T> = {
  query: QueryLike<T>;
  /** What is loading, as a person says it: "Loading tokens…". */
  loading: string;
  /** Whether the loaded data has nothing to show; with `empty`, shown instead of the children. */
  isEmpty?: (data: T) => boolean;
  /** What to say, and what to do, when there is nothing yet. */
  empty?: ReactNode;
  children: (data: T) => ReactNode;
};

/**
 * Loading, error, empty, or the data: the one way every list and page waits for a query. An error
 * that came with no data offers Try again; data already shown stays while a refetch fails.
 */
export function QueryState<T>({ query, loading, isEmpty, empty, children }: QueryStateProps<T>) {
  if (query.data === undefined) {
    if (query.error) {
      return (
        <ErrorMessage error={quarryErrorOf(query.error)}>
          <button type="button" className="button" onClick={() => query.refetch()}>
            Try again
          </button>
        </ErrorMessage>
      );
    }
    return (
      <p className="muted query-loading" role="status">
        <Spinner /> {loading}
      </p>
    );
  }
  if (empty !== undefined && isEmpty?.(query.data)) {
    return (
      <div className="muted query-empty" data-testid="query-empty">
        {empty}
      </div>
    );
  }
  return <>{children(query.data)}</>;
}
