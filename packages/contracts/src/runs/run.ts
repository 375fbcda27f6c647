import { z } from 'zod';
import { QuarryError } from '../errors/quarry-error';
import { CellId, ProjectId } from '../projects/project';
import { MAX_ID_LENGTH } from '../transport/request-limits';

export const RunId = z.string().max(MAX_ID_LENGTH).startsWith('run_');
export const RUN_ROW_LIMIT_DEFAULT = 10_000;
export const RUN_ROW_LIMIT_MAX = 1_000_000;

export const RunStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export type RunStatus = z.infer<typeof RunStatus>;

export const StartRunInput = z.object({
  projectId: ProjectId,
  cellId: CellId,
  /** The SQL to run; saved into the cell first, so what ran is what the cell shows. */
  source: z.string().min(1, { message: 'Write a query first' }).max(100_000),
  rowLimit: z.number().int().min(1).max(RUN_ROW_LIMIT_MAX).default(RUN_ROW_LIMIT_DEFAULT),
});
export type StartRunInput = z.input<typeof StartRunInput>;

export const RunSummary = z.object({
  id: RunId,
  status: RunStatus,
  rowCount: z.number().int().nullable(),
  truncated: z.boolean(),
  durationMs: z.number().int().nullable(),
  error: QuarryError.nullable(),
  createdAt: z.date(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const RunInput = z.object({ runId: RunId });

/** The logical type of a result column, from the database's type. */
export const ColumnType = z.enum(['number', 'bigint', 'string', 'boolean', 'date', 'json', 'bytes', 'other']);
export type ColumnType = z.infer<typeof ColumnType>;
export const Column = z.object({ name: z.string(), type: ColumnType, dbType: z.string() });
export type Column = z.infer<typeof Column>;

export const Cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type Cell = z.infer<typeof Cell>;

/**
 * One message of a run's result stream, in order: `columns` once, `rows` as they are produced,
 * then exactly one of `done` or `error`.
 */
export const RunEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('status'), status: RunStatus }),
  z.object({ type: z.literal('columns'), columns: z.array(Column) }),
  z.object({
    type: z.literal('rows'),
    /** JSON text of `Cell[][]`, passed through from the runner unparsed: read it with parseRowBatch. */
    batch: z.string(),
    /** Rows in this batch, and delivered so far including it. */
    batchRows: z.number().int(),
    rowCount: z.number().int(),
  }),
  z.object({
    type: z.literal('done'),
    rowCount: z.number().int(),
    truncated: z.boolean(),
    durationMs: z.number().int(),
  }),
  z.object({ type: z.literal('error'), error: QuarryError }),
]);
export type RunEvent = z.infer<typeof RunEvent>;

/**
 * The rows of a `rows` event. The text was written by Quarry's runner and authenticated by the
 * vault on its way, so it is parsed, not validated cell by cell.
 */
export function parseRowBatch(batch: string): Cell[][] {
  const rows: unknown = JSON.parse(batch);
  if (!Array.isArray(rows)) throw new Error('a row batch is not an array');
  return rows as Cell[][];
}
