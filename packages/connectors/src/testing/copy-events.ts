import { type Cell, type Column, parseRowBatch } from '@quarry/contracts';
import type { PassthroughEvent } from '../postgres/copy-stream';

/** The framing line the runner writes before COPY text (packages/results chunk-format.ts). */
const letters = (columns: Column[]) =>
  columns
    .map((c) => (c.dbType === 'bool' ? 'b' : c.dbType === 'int2' || c.dbType === 'int4' ? 'n' : 's'))
    .join('');

/** The rows a reader gets from a stream's events: COPY text read with parseRowBatch, or the cells as they came. */
export function cellsOf(events: PassthroughEvent[]): Cell[][] {
  const columns = events.find((e) => e.type === 'columns')?.columns ?? [];
  return events.flatMap((e) =>
    e.type === 'copy'
      ? parseRowBatch(`copy:${letters(columns)}\n${e.text.toString('utf8')}`)
      : e.type === 'rows'
        ? e.rows
        : [],
  );
}

/** How many batches of COPY text a stream's events carry (0: it took the cursor path). */
export const copied = (events: PassthroughEvent[]) => events.filter((e) => e.type === 'copy').length;
