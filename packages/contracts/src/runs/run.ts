import { z } from 'zod';
import { QuarryError } from '../errors/quarry-error';
import { InputValues } from '../notebook/inputs';
import { RunStepOutcome } from '../notebook/run-plan';
import { CellId, ProjectId } from '../projects/ids';
import { MAX_ID_LENGTH } from '../transport/request-limits';

export const RunId = z.string().max(MAX_ID_LENGTH).startsWith('run_');
export const RUN_ROW_LIMIT_DEFAULT = 10_000;
export const RUN_ROW_LIMIT_MAX = 1_000_000;

export const RunStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export type RunStatus = z.infer<typeof RunStatus>;

/** The statuses of a run that has ended: it writes nothing more, and its status changes no more. */
export const ENDED_RUN_STATUSES = [
  'succeeded',
  'failed',
  'cancelled',
] as const satisfies readonly RunStatus[];

/** Whether a run in `status` has ended (ENDED_RUN_STATUSES). */
export const runHasEnded = (status: string): boolean =>
  (ENDED_RUN_STATUSES as readonly string[]).includes(status);

export const StartRunInput = z.object({
  projectId: ProjectId,
  cellId: CellId,
  /** The cell's SQL or JS; saved into the cell first, so what ran is what the cell shows. */
  source: z.string().min(1, { message: 'Write a query first' }).max(100_000),
  /** Values of the notebook's inputs by name; an input left out (or null) takes its default. */
  inputs: InputValues.default({}),
  rowLimit: z.number().int().min(1).max(RUN_ROW_LIMIT_MAX).default(RUN_ROW_LIMIT_DEFAULT),
  /**
   * Run on the warehouse even when the connection's result cache holds a fresh result (the fresh
   * result then replaces the cached one).
   */
  refresh: z.boolean().default(false),
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
  /** Each cell the run executed (upstream cells first, the target last), with rows and time. */
  steps: z.array(RunStepOutcome).default([]),
  /**
   * Where a queued run stands in the queue (1: taken next; the fair share orders one user's runs
   * behind everyone else's earlier ones); null once it runs, or when not known.
   */
  queuePosition: z.number().int().min(1).nullable(),
  /**
   * Set when the result was served from the connection's result cache: when it was computed on
   * the warehouse (the SPA shows "from cache, N min old"). Absent or null for a fresh result.
   */
  cachedAt: z.date().nullable().optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const RunInput = z.object({ runId: RunId });

/**
 * The logical type of a result column: what a reader formats and sorts it by. Values are the
 * database's own text (see `Cell`); the logical type says how to read that text.
 *
 * - `integer`: whole numbers (int2/int4 arrive as JS numbers; int8, oid, xid and MySQL's BIGINT as
 *   decimal text, exact beyond 2^53).
 * - `decimal`: exact decimal text (numeric/DECIMAL), every digit kept; PostgreSQL also writes
 *   `NaN`, `Infinity` and `-Infinity`.
 * - `float`: the server's shortest exact text of a float (`1e-07`, `-0`, `Infinity`, `NaN`).
 * - `boolean`: `true` / `false`.
 * - `text`: character strings (text, varchar, char(n) with its padding, name).
 * - `date`: a calendar date, `2026-01-15`, `0044-03-15 BC`, `infinity`; never an instant.
 * - `time`: a time of day, `13:45:00.123456`, with its offset for timetz (`13:45:00+02`).
 * - `timestamp`: a wall-clock date and time without a zone, `2026-01-15 13:45:00.123456`; never UTC.
 * - `timestamptz`: an instant, written in the column's `timeZone` with its offset,
 *   `2026-01-15 13:45:00.123456+00`.
 * - `interval`: PostgreSQL's interval text, `1 year 2 mons 3 days 04:05:06.000007`.
 * - `json`: JSON text exactly as the server wrote it (jsonb's key order and spacing included).
 * - `bytes`: `\x` and hex, as PostgreSQL's bytea.
 * - `uuid`: a UUID's text.
 * - `array`: an array in the database's own array text, `{1,NULL,"a b"}`, `{{1,2},{3,4}}`.
 * - `other`: anything else (ranges, enums, network, geometric, bit strings, money, xml, …) as the
 *   database's text.
 */
export const ColumnType = z.enum([
  'integer',
  'decimal',
  'float',
  'boolean',
  'text',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'interval',
  'json',
  'bytes',
  'uuid',
  'array',
  'other',
]);
export type ColumnType = z.infer<typeof ColumnType>;
export const Column = z.object({
  name: z.string(),
  type: ColumnType,
  /** The database's name for the type: `int8`, `numeric`, `timestamptz`, `int4[]`, `oid:16390`. */
  dbType: z.string(),
  /** For `timestamptz` columns: the session time zone the server wrote the instants in (`UTC`). */
  timeZone: z.string().optional(),
});
export type Column = z.infer<typeof Column>;

/**
 * One value: the database's own text, except booleans (true/false), integers of 32 bits or fewer
 * (JS numbers, exact: PostgreSQL's int2/int4) and NULL (null, never confused with ''). Nothing is
 * parsed on the way, so no digit, microsecond, infinity or BC date is lost.
 */
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
    /**
     * A batch of rows as text, passed through from the runner unparsed: read it with parseRowBatch.
     * Either JSON text of `Cell[][]`, or PostgreSQL's COPY text as the server sent it behind a
     * framing line (see parseRowBatch).
     */
    batch: z.string(),
    /** Rows in this batch, and delivered so far including it. */
    batchRows: z.number().int(),
    rowCount: z.number().int(),
  }),
  /** A JS cell that returned a value rather than a table: the value's JSON text. */
  z.object({ type: z.literal('value'), json: z.string() }),
  z.object({
    type: z.literal('done'),
    rowCount: z.number().int(),
    truncated: z.boolean(),
    durationMs: z.number().int(),
    /** Set when the result came from the result cache: when it was computed on the warehouse. */
    cachedAt: z.date().optional(),
  }),
  z.object({ type: z.literal('error'), error: QuarryError }),
]);
export type RunEvent = z.infer<typeof RunEvent>;

/**
 * The rows of a `rows` event. The text was written by Quarry's runner and authenticated by the
 * vault on its way, so it is parsed, not validated cell by cell. Two forms:
 * - JSON text of `Cell[][]` (it starts with `[`);
 * - `copy:` and one letter per column, a newline, then whole rows of PostgreSQL's COPY text as the
 *   server sent it (values separated by tabs, each row ended by a newline, `\N` for NULL, `\`
 *   escapes `\b \f \n \r \t \v \\`). A letter says what a value's text becomes: `b` a boolean
 *   (`t`), `n` a number (int2/int4), `s` the text itself. The cells are the ones the JSON form
 *   would hold for the same rows.
 */
export function parseRowBatch(batch: string): Cell[][] {
  if (batch.startsWith(COPY_BATCH_MARK)) return parseCopyBatch(batch);
  const rows: unknown = JSON.parse(batch);
  if (!Array.isArray(rows)) throw new Error('a row batch is not an array');
  return rows as Cell[][];
}

const COPY_BATCH_MARK = 'copy:';
const COPY_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
const unescapeCopyText = (text: string) => text.replace(/\\(.)/gs, (_, c: string) => COPY_ESCAPES[c] ?? c);
const LETTER_BOOLEAN = 98; // b
const LETTER_TEXT = 115; // s

function parseCopyBatch(batch: string): Cell[][] {
  const head = batch.indexOf('\n');
  if (head === -1) throw new Error('a COPY row batch has no framing line');
  const width = head - COPY_BATCH_MARK.length;
  const letters: number[] = [];
  for (let i = COPY_BATCH_MARK.length; i < head; i += 1) letters.push(batch.charCodeAt(i));
  const rows: Cell[][] = [];
  let at = head + 1;
  while (at < batch.length) {
    let end = batch.indexOf('\n', at);
    if (end === -1) end = batch.length;
    const row: Cell[] = new Array(width);
    let start = at;
    for (let i = 0; i < width; i += 1) {
      const stop = i === width - 1 ? end : batch.indexOf('\t', start);
      if (stop === -1 || stop > end) throw new Error('a COPY row holds fewer values than its columns');
      const text = batch.slice(start, stop);
      if (text === '\\N') row[i] = null;
      else {
        const value = text.includes('\\') ? unescapeCopyText(text) : text;
        const letter = letters[i];
        row[i] = letter === LETTER_TEXT ? value : letter === LETTER_BOOLEAN ? value === 't' : Number(value);
      }
      start = stop + 1;
    }
    rows.push(row);
    at = end + 1;
  }
  return rows;
}
