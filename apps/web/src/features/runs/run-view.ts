import {
  type Column,
  parseRowBatch,
  type QuarryError,
  type Cell as ResultCell,
  type RunEvent,
} from '@quarry/contracts';

export type RunPhase = 'idle' | 'queued' | 'running' | 'done' | 'failed';

/** One cell's latest run as the page shows it. */
export type RunView = {
  phase: RunPhase;
  columns: Column[];
  /**
   * Every row received so far. The array grows in place while the run streams (copying a large
   * result on every chunk would cost more than rendering it); a new run gets a new array.
   */
  rows: ResultCell[][];
  rowCount: number;
  truncated: boolean;
  durationMs: number | null;
  error: QuarryError | null;
  /** A JS cell that returned a value rather than a table: its JSON text. */
  value: string | null;
  /** When the result was served from the cache: when it was computed. */
  cachedAt: Date | null;
  /** Where the run stands in the queue while it waits (RunSummary.queuePosition, 1: next), when known. */
  queuePosition: number | null;
  /** The SQL that ran, to place an error's character position. */
  source: string;
};

export const IDLE_RUN: RunView = {
  phase: 'idle',
  columns: [],
  rows: [],
  value: null,
  cachedAt: null,
  queuePosition: null,
  rowCount: 0,
  truncated: false,
  durationMs: null,
  error: null,
  source: '',
};

/** A run just asked for: queued, with a fresh row array of its own. */
export function queuedRun(source: string): RunView {
  return { ...IDLE_RUN, phase: 'queued', rows: [], source };
}

/** A run that ends here with `error`, keeping the rows it had. */
export function failedRun(view: RunView, error: QuarryError): RunView {
  return { ...view, phase: 'failed', error };
}

/**
 * The view after one stream event. A new view object every time, so React sees the change, but
 * a `rows` event appends into the run's own row array instead of copying it: at 100,000 rows a
 * copy per chunk would cost more than drawing them.
 */
export function applyRunEvent(view: RunView, event: RunEvent): RunView {
  switch (event.type) {
    case 'status':
      if (event.status === 'queued') return { ...view, phase: 'queued' };
      if (event.status === 'running') return { ...view, phase: 'running', queuePosition: null };
      return view;
    case 'columns':
      return { ...view, columns: event.columns };
    case 'value':
      return { ...view, value: event.json };
    case 'rows':
      for (const row of parseRowBatch(event.batch)) view.rows.push(row);
      return { ...view, phase: 'running', queuePosition: null, rowCount: event.rowCount };
    case 'done':
      return {
        ...view,
        phase: 'done',
        rowCount: event.rowCount,
        truncated: event.truncated,
        durationMs: event.durationMs,
        cachedAt: event.cachedAt ?? null,
      };
    case 'error':
      return failedRun(view, event.error);
  }
}
