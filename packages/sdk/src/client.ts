import type { AppRouter } from '@quarry/api';
import {
  type Cell,
  type Column,
  MAX_CALLS_PER_REQUEST,
  parseRowBatch,
  type QuarryError,
  type QuarryErrorCode,
  type RunEvent,
  type RunSummary,
} from '@quarry/contracts';
import {
  createTRPCClient,
  httpBatchLink,
  httpBatchStreamLink,
  splitLink,
  TRPCClientError,
} from '@trpc/client';
import superjson from 'superjson';

export type QuarryClientOptions = {
  /** Where Quarry runs, e.g. http://localhost:3000 */
  url: string;
  /** A personal API token (Settings → API tokens), `qry_…`. */
  token: string;
  fetch?: typeof fetch;
};

/**
 * A Quarry failure as a value the caller can switch on: `code`, `message`, `hint`. `code` is one of
 * contracts' `QuarryErrorCode`s; a newer server may send one this SDK does not know yet, so it
 * stays open to other strings (a `switch` still narrows on the known ones).
 */
export class QuarryClientError extends Error {
  readonly code: QuarryErrorCode | (string & {});
  readonly hint: string | undefined;
  readonly details: QuarryError['details'];
  constructor(error: QuarryError) {
    super(error.message);
    this.name = 'QuarryClientError';
    this.code = error.code;
    this.hint = error.hint;
    this.details = error.details;
  }
}

export type QueryResult = {
  run: RunSummary;
  /**
   * Set once the first chunk arrives; always before the first row. Each column has its `name`, the
   * database's `dbType` (`int8`, `numeric`, `timestamptz`, `int4[]`; `oid:N` for a type of the
   * database's own) and a logical `type` to format and sort by (`integer`, `decimal`, `float`,
   * `boolean`, `text`, `date`, `time`, `timestamp`, `timestamptz`, `interval`, `json`, `bytes`,
   * `uuid`, `array`, `other`; see contracts' ColumnType). A `timestamptz` column names the
   * `timeZone` its values were written in (`UTC` unless the SQL set another).
   */
  columns: () => Column[];
  /**
   * Rows as arrays in column order, streamed as the runner produces them. Each value is exactly
   * the database's own text, never parsed on the way: int8 and numeric keep every digit
   * (`'9007199254740993'`), floats keep `'Infinity'`, `'NaN'` and `'-0'`, timestamps keep their
   * microseconds, BC years and infinities (`'2024-02-29 13:45:00.123456'`, `'0044-03-15 BC'`,
   * `'infinity'`), a timestamp without time zone is its wall-clock text (never UTC), a date is a
   * date (`'2024-02-29'`), json and jsonb are the server's JSON text (parse it yourself), bytea is
   * `\x…` hex text, arrays are PostgreSQL's array text (`'{1,NULL,3}'`). Three exceptions: booleans
   * are `true`/`false`, 16- and 32-bit integers (int2/int4, MySQL's INT and smaller) are JS
   * numbers, and NULL is `null`, never `''`.
   */
  rows: AsyncIterable<Cell[]>;
  /** Stops the run, on the database server too; reading `rows` then ends with `run.cancelled`. */
  cancel: () => Promise<RunSummary>;
};

/** The typed client for programs. Every procedure of the API is on `.api`, typed from AppRouter. */
export function createQuarryClient(options: QuarryClientOptions) {
  const url = `${options.url.replace(/\/$/, '')}/trpc`;
  const headers = () => ({ authorization: `Bearer ${options.token}` });
  const link = { url, headers, transformer: superjson, ...(options.fetch ? { fetch: options.fetch } : {}) };
  const api = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        // Result streams go over JSON lines; everything else is ordinary batched requests.
        condition: (op) => STREAMED.has(op.path),
        true: httpBatchStreamLink(link),
        // The API refuses a request of more calls than this (request.batch_too_large).
        false: httpBatchLink({ ...link, maxItems: MAX_CALLS_PER_REQUEST }),
      }),
    ],
  });

  return {
    api,
    /**
     * Runs `sql` in a project's SQL cell (as you, gated as you) and streams the rows back, in one
     * request: the result is delivered to this client as it comes, read or not (a result is
     * delivered once). To start a run whose result is read elsewhere (its CSV download), use
     * `api.runs.start`.
     */
    async query(input: {
      projectId: string;
      cellId: string;
      sql: string;
      rowLimit?: number;
    }): Promise<QueryResult> {
      // One request: the run's start, then its events (runs.query), the first of which is the run.
      const stream = await call(() =>
        api.runs.query.mutate({
          projectId: input.projectId,
          cellId: input.cellId,
          source: input.sql,
          ...(input.rowLimit ? { rowLimit: input.rowLimit } : {}),
        }),
      );
      const events = stream[Symbol.asyncIterator]();
      const first = await call(() => events.next());
      if (first.done || first.value.type !== 'started') {
        await events.return?.();
        throw new Error('runs.query answered without the run it started');
      }
      const { run } = first.value;
      let columns: Column[] = [];
      const rows = rowIterator(
        async () => ({ [Symbol.asyncIterator]: () => events as AsyncIterator<RunEvent> }),
        (received) => {
          columns = received;
        },
      );
      const cancel = () => call(() => api.runs.cancel.mutate({ runId: run.id }));
      return { run, columns: () => columns, rows, cancel };
    },
  };
}

export type QuarryClient = ReturnType<typeof createQuarryClient>;

type RunEvents = AsyncIterable<RunEvent>;

/** Procedures whose answers are streams (JSON lines); everything else goes in batched requests. */
const STREAMED: ReadonlySet<string> = new Set(['runs.events', 'runs.query']);

/**
 * The rows of a run's events, one at a time, read lazily (the events are opened at the first
 * `next()`). A hand-written iterator rather than an async generator: a row already parsed is handed
 * over in an already-settled promise, where an async generator's `yield` costs a round of its queue
 * per row, the largest per-row cost left on a reader's side of a million-row result. Calls to
 * `next()` that overlap are answered in order; `return()` (a `break` out of `for await`) closes the
 * stream.
 */
function rowIterator(open: () => Promise<RunEvents>, onColumns: (columns: Column[]) => void) {
  let events: AsyncIterator<RunEvent> | null = null;
  let batch: Cell[][] = [];
  let index = 0;
  let finished = false;
  let filling: Promise<IteratorResult<Cell[], undefined>> | null = null;
  const end = (): IteratorResult<Cell[], undefined> => ({ value: undefined, done: true });

  const fill = async (): Promise<IteratorResult<Cell[], undefined>> => {
    events ??= (await open())[Symbol.asyncIterator]();
    for (;;) {
      const next = await events.next();
      if (next.done) {
        finished = true;
        return end();
      }
      const event = next.value;
      if (event.type === 'columns') onColumns(event.columns);
      else if (event.type === 'rows') {
        batch = parseRowBatch(event.batch);
        index = 0;
        const row = batch[index++];
        if (row) return { value: row, done: false };
      } else if (event.type === 'error') {
        finished = true;
        throw new QuarryClientError(event.error);
      }
    }
  };

  const iterator: AsyncIterableIterator<Cell[], undefined> = {
    [Symbol.asyncIterator]: () => iterator,
    next() {
      if (filling) return filling.then(() => iterator.next());
      const row = index < batch.length ? batch[index++] : undefined;
      if (row) return Promise.resolve({ value: row, done: false });
      if (finished) return Promise.resolve(end());
      const pending = fill().finally(() => {
        filling = null;
      });
      filling = pending;
      return pending;
    },
    async return() {
      finished = true;
      batch = [];
      await events?.return?.();
      return end();
    },
  };
  return iterator;
}

async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const quarry =
      error instanceof TRPCClientError
        ? (error.data as { quarry?: QuarryError } | undefined)?.quarry
        : undefined;
    if (quarry) throw new QuarryClientError(quarry);
    throw error;
  }
}
