import { appRouter, createCallerFactory, createContext, type Deps, QuarryTRPCError } from '@quarry/api';
import {
  type Cell,
  type Column,
  type ColumnType,
  parseRowBatch,
  type QuarryError,
  type RunEvent,
} from '@quarry/contracts';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { stringify } from 'csv-stringify/sync';
import type { Context as HonoContext } from 'hono';
import { isSameOrigin } from './origin-check';

const createCaller = createCallerFactory(appRouter);

/**
 * How a cell becomes a CSV field: NULL an empty field, the empty string a quoted empty field (as
 * PostgreSQL's own COPY … CSV writes them, so the two stay apart), booleans `true`/`false`, every
 * other value its text as received (the database's own text, exact).
 */
const CSV_OPTIONS = {
  cast: {
    boolean: (value: boolean) => (value ? 'true' : 'false'),
    string: (value: string) => (value === '' ? { value, quoted_empty: true } : value),
  },
};

const csvOf = (rows: Cell[][]) => stringify(rows, CSV_OPTIONS);

/** Columns whose text is a number, exact: a leading `-` there is a sign, so they are left alone. */
const NUMERIC: ReadonlySet<ColumnType> = new Set(['integer', 'decimal', 'float']);
/** What a spreadsheet takes for the start of a formula (OWASP, "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;
const neutralised = (text: string) => (FORMULA_START.test(text) ? `'${text}` : text);

/**
 * The CSV of one run's columns: its header line, then its row batches. Warehouse text is often
 * written by outsiders (a customer's name, a ticket's subject), and a spreadsheet opening the file
 * runs a field that starts with `=`, `+`, `-`, `@`, TAB or CR as a formula; such text in a column
 * name or a non-numeric column gets a leading `'` (OWASP's advice). Numbers stay exact, and NULL
 * stays apart from '' (neither starts with anything).
 */
export function csvWriter(columns: readonly Column[]) {
  const text = columns.map((column) => !NUMERIC.has(column.type));
  const anyText = text.includes(true);
  return {
    head: () => csvOf([columns.map((column) => neutralised(column.name))]),
    rows: (rows: Cell[][]) =>
      csvOf(
        anyText
          ? rows.map((row) =>
              row.map((cell, i) =>
                text[i] !== false && typeof cell === 'string' ? neutralised(cell) : cell,
              ),
            )
          : rows,
      ),
  };
}

type Env = { Variables: { requestId: string; clientIp: string | null } };

/**
 * GET /runs/:runId/result.csv: a run's whole result as CSV, streamed as the runner produces it,
 * with no row cap of its own (the run's row limit is the only one). It reads the run through the
 * same procedure as the SDK and the SPA (`runs.events`): the caller signs in as for any procedure
 * (the session cookie, or an API token as `Authorization: Bearer`, never anything in the URL), only
 * the run's owner reaches it, and the results gate is decided again for the reader before the
 * first byte. Reading delivers the result (its chunks are deleted as they go), so a request that
 * carries the session cookie must come from Quarry's own pages (AUTH-5), as a mutation would.
 */
export function runCsvRoute(deps: Deps) {
  return async (c: HonoContext<Env>) => {
    if (
      c.req.header('cookie') &&
      !isSameOrigin({
        origin: c.req.header('origin'),
        secFetchSite: c.req.header('sec-fetch-site'),
        publicUrl: deps.publicUrl,
      })
    ) {
      return c.json(
        {
          error: {
            code: 'auth.bad_origin',
            message: 'This request did not come from Quarry itself',
            hint: 'Download the result from Quarry',
          },
        },
        403,
      );
    }
    const runId = c.req.param('runId') ?? '';
    const context = await createContext({
      deps,
      headers: c.req.raw.headers,
      resHeaders: new Headers(),
      request: {
        ip: c.get('clientIp'),
        userAgent: c.req.header('user-agent') ?? null,
        requestId: c.get('requestId'),
      },
    });
    const signal = c.req.raw.signal;
    let events: AsyncIterator<RunEvent>;
    let csv = csvWriter([]);
    try {
      const iterable = await createCaller(context, { signal }).runs.events({ runId });
      events = (iterable as AsyncIterable<RunEvent>)[Symbol.asyncIterator]();
      // Until the columns, nothing is sent: a refusal or a failed run is answered with its status.
      for (;;) {
        const next = await events.next();
        if (next.done) throw new QuarryTRPCError(STREAM_ENDED);
        const event = next.value;
        if (event.type === 'error') throw new QuarryTRPCError(event.error);
        if (event.type === 'columns') {
          csv = csvWriter(event.columns);
          break;
        }
      }
    } catch (error) {
      return refused(c, error);
    }
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(csv.head()));
      },
      async pull(controller) {
        // One batch per pull: the HTTP response's own backpressure paces the reading of chunks,
        // and so the runner's window.
        for (;;) {
          const next = await events.next();
          if (next.done) {
            controller.error(new Error('the result stream ended before the run finished'));
            return;
          }
          const event = next.value;
          if (event.type === 'rows') {
            controller.enqueue(encoder.encode(csv.rows(parseRowBatch(event.batch))));
            return;
          }
          if (event.type === 'done') {
            controller.close();
            return;
          }
          if (event.type === 'error') {
            // Past the status line: the download fails rather than ends as if it were whole.
            controller.error(new Error(event.error.code));
            return;
          }
        }
      },
      async cancel() {
        await events.return?.();
      },
    });
    return new Response(body, {
      status: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${runId.replace(/[^\w-]/g, '')}.csv"`,
        'cache-control': 'no-store',
      },
    });
  };
}

const STREAM_ENDED: QuarryError = {
  code: 'run.results_expired',
  message: "This run's results are no longer available: they expired or were already delivered",
  hint: 'Run the query again',
};

function refused(c: HonoContext<Env>, error: unknown) {
  if (error instanceof QuarryTRPCError) {
    const status = getHTTPStatusCodeFromError(error) as 400 | 401 | 403 | 404 | 409 | 500;
    return c.json({ error: error.quarry }, status);
  }
  if (error instanceof TRPCError) {
    const status = getHTTPStatusCodeFromError(error) as 400 | 401 | 403 | 404 | 500;
    return c.json({ error: { code: `auth.${error.code.toLowerCase()}`, message: error.message } }, status);
  }
  throw error;
}
