import type { Column, QuarryError, Cell as ResultCell } from '@quarry/contracts';

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
  /** The SQL that ran, to place an error's character position. */
  source: string;
};

export const IDLE_RUN: RunView = {
  phase: 'idle',
  columns: [],
  rows: [],
  rowCount: 0,
  truncated: false,
  durationMs: null,
  error: null,
  source: '',
};
