import type { SqlDialect } from '@quarry/notebook';
import { CacheBadge } from './cache-badge';
import { formatRunStatus } from './format-run-status';
import { ResultsTable } from './results-table';
import { RunElapsed } from './run-elapsed';
import { RunError } from './run-error';
import { RunValue } from './run-value';
import type { RunView } from './run-view';
import './run-results.css';

/** Everything under a cell after Run: a status line, then the error or every row of the result. */
export function RunResults({ view, dialect }: { view: RunView; dialect?: SqlDialect | null }) {
  if (view.phase === 'idle') return null;
  const busy = view.phase === 'queued' || view.phase === 'running';
  const cancelled = view.error?.code === 'run.cancelled';
  // Stopped on purpose is not shown as a failure; a stopped or failed run with no rows has no table.
  const tone = cancelled ? 'cancelled' : view.phase;
  const table = view.columns.length > 0 && (view.phase !== 'failed' || view.rows.length > 0);
  return (
    <div className="run-results">
      <div className="run-status-line">
        <p
          className={`run-status run-status-${tone}`}
          data-testid="run-status"
          role="status"
          aria-live={view.phase === 'running' ? 'off' : 'polite'}
        >
          {busy ? <span className="pulse" aria-hidden="true" /> : null}
          {formatRunStatus(view)}
        </p>
        <RunElapsed view={view} />
        <CacheBadge view={view} />
      </div>
      {cancelled ? (
        <p className="results-note muted" data-testid="run-cancelled">
          {view.error?.message}
        </p>
      ) : view.error ? (
        <RunError error={view.error} source={view.source} dialect={dialect} />
      ) : null}
      {view.value !== null ? <RunValue json={view.value} /> : null}
      {table ? (
        <>
          <ResultsTable columns={view.columns} rows={view.rows} rowCount={view.rows.length} />
          {view.phase === 'done' && view.rows.length === 0 ? (
            <p className="results-note muted">The query returned no rows.</p>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
