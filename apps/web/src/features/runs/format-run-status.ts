import { formatCount, formatRows } from '../../ui/format';
import type { RunView } from './run-view';

const ordinals = new Intl.PluralRules('en-US', { type: 'ordinal' });
const suffixes: Record<string, string> = { one: 'st', two: 'nd', few: 'rd', other: 'th' };
const ordinal = (n: number): string => `${formatCount(n)}${suffixes[ordinals.select(n)] ?? 'th'}`;

/** "Queued…", "Queued… 3rd in line", "Running… 12,000 rows", "12,000 rows in 340 ms (truncated at the row limit)". */
export function formatRunStatus(view: RunView): string {
  switch (view.phase) {
    case 'idle':
      return '';
    case 'queued':
      // RunSummary.queuePosition counts from one: 1 is taken next.
      return view.queuePosition === null ? 'Queued…' : `Queued… ${ordinal(view.queuePosition)} in line`;
    case 'running':
      return view.rowCount > 0 ? `Running… ${formatRows(view.rowCount)}` : 'Running…';
    case 'done': {
      // A JS cell that returned a value rather than rows: there are no rows to count.
      if (view.value !== null && view.columns.length === 0) {
        return `Returned a value in ${formatCount(view.durationMs ?? 0)} ms`;
      }
      const took = `${formatRows(view.rowCount)} in ${formatCount(view.durationMs ?? 0)} ms`;
      return view.truncated ? `${took} (truncated at the row limit)` : took;
    }
    case 'failed': {
      // Stopped on purpose (Cancel, or the cell run again) is not a failure.
      const verb = view.error?.code === 'run.cancelled' ? 'Cancelled' : 'Failed';
      return view.rowCount > 0 ? `${verb} after ${formatRows(view.rowCount)}` : verb;
    }
  }
}
