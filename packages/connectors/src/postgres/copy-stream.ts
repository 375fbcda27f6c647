import type { Readable } from 'node:stream';
import type { Column } from '@quarry/contracts';
import postgres from 'postgres';
import type { PostgresConfig, StreamEvent, StreamOptions } from '../types';
import { toConnectorError } from './errors';
import type { ResultLimitError } from './result-guard';
import { connectPostgres, sessionKeyOf, streamPostgres } from './stream';
import { streamErrorOf } from './stream-error';
import { columnFor, PIN_TEXT_SETTINGS_SQL } from './types-map';

/**
 * Whole rows of the server's COPY text format (`COPY … TO STDOUT`, PostgreSQL's defaults: values
 * separated by tabs, rows ended by a newline, `\N` for NULL, backslash escapes), exactly as the
 * server sent them, and how many rows they hold.
 */
export type CopyTextEvent = { type: 'copy'; text: Buffer; rows: number };

/** What a passthrough stream yields: a stream's events, with rows either as cells or as COPY text. */
export type PassthroughEvent = StreamEvent | CopyTextEvent;

/** The cursor path's options: the session's cancel key is handed over the same way. */
type CopyStreamOptions = StreamOptions & { onSession?: (key: string) => Promise<void> };

const NEWLINE = 0x0a;
/** A batch of COPY text is handed on at this many bytes, or at `batchSize` rows, whichever is first. */
const BATCH_BYTES = 256 * 1024;

type Described = { columns: { name: string; type: number }[] };

/**
 * Runs one statement as `COPY (<statement>) TO STDOUT` and yields its columns, then batches of the
 * server's own COPY text, then the end: no object per row or per value is built in this process
 * (PERF-BASELINES.md: the row-by-row parse, not the socket, is what holds a cursor to a quarter of
 * COPY's speed). Everything else is the cursor path's (streamPostgres): the same READ ONLY
 * transaction that never commits, the same pinned text settings and statement timeout, the same
 * prepare step (the reader's identity, CONN-5) on the same session before the statement, the row
 * limit (a row past it marks the result truncated and stops the server), the byte limits (checked
 * on the CopyData messages as they arrive), and cancel on the server through the signal.
 *
 * The statement is checked before anything runs, on the run's session, over the extended protocol,
 * which takes exactly one statement: it is described as it is (its columns and their types), and
 * then as `COPY (\n<statement>\n) TO STDOUT`. A statement that parses alone is a whole token
 * sequence (every quote, comment and parenthesis closed), so the wrapped text is COPY of exactly
 * that statement; the newlines keep a trailing `--` comment from swallowing the parenthesis.
 *
 * Falls back to the cursor path (streamPostgres, on a connection of its own) when:
 * - the statement has bound parameters: COPY takes none, and a value is never spliced into SQL
 *   text (CONN-4);
 * - describing it fails (its error is then the cursor path's to report, as it always was);
 * - it returns no columns (DDL, `select … into`, a statement without a result);
 * - the server refuses it inside COPY: not a plain query (`show`, `explain`, `fetch`, `call`), or a
 *   server that speaks the protocol without COPY TO STDOUT.
 * Callers choose this path only where nothing must look at each row (see the connector's
 * `passthrough` request) and for servers that are PostgreSQL (tier 1 kinds).
 */
export async function* streamPostgresCopy(
  config: PostgresConfig,
  text: string,
  params: readonly (string | number | boolean | null)[],
  options: CopyStreamOptions,
): AsyncGenerator<PassthroughEvent> {
  if (params.length > 0) {
    yield* streamPostgres(config, text, params, options);
    return;
  }
  const limited: { error: ResultLimitError | null } = { error: null };
  const sql = connectPostgres(config, {
    timeoutMs: options.timeoutMs,
    allow: options.allow,
    ...(options.ownDatabase ? { ownDatabase: options.ownDatabase } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.tag ? { tag: options.tag } : {}),
    ...(options.dial ? { dial: options.dial } : {}),
    exactText: true,
    guard: 'copy',
    onLimit: (error) => {
      limited.error = error;
    },
  });
  const statement = withoutTrailingTerminators(text);
  let described: Described | null;
  try {
    // The session's first query bounds what follows with the run's timeout (a parse waits for
    // locks on the tables it names); its cancel key goes to the runner before the statement's text
    // is sent at all, the describes included (JOB-6).
    const pinned = await sql.unsafe(`select set_config('statement_timeout', $1, false)`, [
      String(options.timeoutMs),
    ]);
    const session = sessionKeyOf(pinned);
    if (session && options.onSession) await options.onSession(session);
    described = await describeForCopy(sql, statement);
  } catch (error) {
    // Connecting or signing in failed (or storing the cancel key): the cursor path would only fail
    // the same way, later.
    await sql.end({ timeout: 0 }).catch(() => {});
    yield {
      type: 'error',
      error: toConnectorError(error, { timeoutMs: options.timeoutMs, cancelled: false }),
    };
    return;
  }
  if (!described) {
    await sql.end({ timeout: 2 }).catch(() => {});
    yield* streamPostgres(config, text, params, options);
    return;
  }
  yield* copyRows(sql, statement, described, options, limited);
}

/**
 * The statement's columns when COPY can take it, or null when it cannot (the cursor path takes it
 * then, and reports its error if it has one). Throws only what is not the server's answer to the
 * statement (connecting, signing in).
 */
async function describeForCopy(
  sql: ReturnType<typeof connectPostgres>,
  statement: string,
): Promise<Described | null> {
  try {
    const described = (await sql.unsafe(statement).describe()) as unknown as Described;
    if (described.columns.length === 0) return null;
    await sql.unsafe(copyOf(statement)).describe();
    return described;
  } catch (error) {
    if (error instanceof postgres.PostgresError) return null;
    throw error;
  }
}

async function* copyRows(
  sql: ReturnType<typeof connectPostgres>,
  statement: string,
  described: Described,
  options: CopyStreamOptions,
  limited: { error: ResultLimitError | null },
): AsyncGenerator<PassthroughEvent> {
  const batchRows = options.batchSize ?? 1000;
  let cancelled = false;
  // Whether the session is idle at the end; a COPY left midway is not waited for.
  let settled = false;
  let startedAt = performance.now();
  let copy: (Promise<unknown> & { active?: boolean; cancel: () => unknown }) | null = null;
  const cancelOnServer = () => {
    if (!copy) return;
    // postgres.js marks a query inactive once it resolved with its COPY stream, and cancel() of an
    // inactive query only flags it; marked active again, it sends the server a CancelRequest.
    copy.active = true;
    void copy.cancel();
  };
  const onAbort = () => {
    cancelled = true;
    cancelOnServer();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (options.signal?.aborted) {
      cancelled = true;
      throw new Error('aborted before start');
    }
    await sql.unsafe('start transaction read only');
    // As streamPostgres: local settings as the transaction's first query, so `set transaction read
    // write` is refused afterwards, pinning the settings that shape the values' text.
    await sql.unsafe(`select set_config('statement_timeout', $1, true), ${PIN_TEXT_SETTINGS_SQL}`, [
      String(options.timeoutMs),
    ]);
    if (options.prepare) {
      await options.prepare(
        (query, values) =>
          sql.unsafe(query, values as (string | number | boolean | null)[]) as unknown as Promise<
            Record<string, unknown>[]
          >,
      );
    }
    if (cancelled) throw new Error('aborted before start');
    const columns: Column[] = described.columns.map((c) =>
      columnFor(c.name, c.type, sql.parameters.TimeZone),
    );
    startedAt = performance.now();
    const query = sql.unsafe(copyOf(statement));
    copy = query as unknown as typeof copy;
    const stream = (await query) as unknown as Readable;
    // Failures reach this run through drain() while it reads, and through the check after the
    // COPY; one that arrives after reading stopped (a cancel, the connection closed on purpose) has
    // nobody to tell and must not become an uncaught 'error' event.
    stream.on('error', () => {});
    if (cancelled) cancelOnServer();
    yield { type: 'columns', columns };

    let rowCount = 0;
    let truncated = false;
    let parts: Buffer[] = [];
    let partBytes = 0;
    let partRows = 0;
    const take = (): CopyTextEvent => {
      const event: CopyTextEvent = {
        type: 'copy',
        text: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, partBytes),
        rows: partRows,
      };
      rowCount += partRows;
      parts = [];
      partBytes = 0;
      partRows = 0;
      return event;
    };
    // Rows are counted by their newlines (COPY text escapes a newline inside a value); a batch is
    // cut on a row boundary at `batchRows` rows or BATCH_BYTES, so the reader's first rows go out
    // as soon as there are `batchRows` of them.
    let tail: Buffer | null = null;
    for await (const data of drain(stream)) {
      if (cancelled) break;
      const piece: Buffer = tail ? Buffer.concat([tail, data]) : data;
      tail = null;
      let from = 0;
      // Just past the newline of the last row counted in this piece.
      let counted = 0;
      for (let at = piece.indexOf(NEWLINE); at !== -1; at = piece.indexOf(NEWLINE, at + 1)) {
        if (rowCount + partRows === options.rowLimit) {
          // A row beyond the limit exists: keep what fits, mark the result truncated, and stop
          // the server producing more.
          truncated = true;
          break;
        }
        partRows += 1;
        counted = at + 1;
        if (partRows >= batchRows || partBytes + (counted - from) >= BATCH_BYTES) {
          parts.push(piece.subarray(from, counted));
          partBytes += counted - from;
          from = counted;
          yield take();
          // A cancel that arrived while the consumer held this batch: the query was cancelled on
          // the server; leave now rather than read what was already buffered.
          if (cancelled) throw new Error('aborted while streaming');
        }
      }
      if (counted > from) {
        parts.push(piece.subarray(from, counted));
        partBytes += counted - from;
      }
      if (truncated) break;
      if (counted < piece.length) tail = piece.subarray(counted);
    }
    if (cancelled) throw new Error('aborted while streaming');
    if (truncated) cancelOnServer();
    if (partRows) yield take();
    if (!truncated) {
      // postgres.js ends a COPY stream quietly in some failures (a cancel it did not send itself):
      // the transaction is aborted after any failed statement, so one more query says whether the
      // COPY completed.
      await sql.unsafe('select 1');
      settled = true;
    }
    yield { type: 'end', rowCount, truncated };
  } catch (error) {
    yield {
      type: 'error',
      error: streamErrorOf(error, {
        limitError: limited.error,
        timeoutMs: options.timeoutMs,
        cancelled,
        startedAt,
      }),
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await sql.end({ timeout: settled ? 2 : 0 }).catch(() => {});
  }
}

/**
 * What the COPY stream holds each time it is read: everything buffered at once (many rows), rather
 * than one message per iteration as the stream's own async iterator hands them over.
 */
async function* drain(stream: Readable): AsyncGenerator<Buffer> {
  let ended = false;
  let closed = false;
  let failed: unknown = null;
  let wake: (() => void) | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  const onEnd = () => {
    ended = true;
    poke();
  };
  const onClose = () => {
    closed = true;
    poke();
  };
  const onError = (error: unknown) => {
    failed = error;
    poke();
  };
  stream.on('readable', poke);
  stream.on('end', onEnd);
  stream.on('close', onClose);
  stream.on('error', onError);
  try {
    for (;;) {
      const data = stream.read() as Buffer | null;
      if (data) {
        yield data;
        continue;
      }
      // Events that fired while the consumer held the last batch are in the stream's state too.
      if (failed ?? stream.errored) throw failed ?? stream.errored;
      if (ended || stream.readableEnded) return;
      if (closed || stream.destroyed) throw new Error('the connection closed during COPY');
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    stream.off('readable', poke);
    stream.off('end', onEnd);
    stream.off('close', onClose);
    stream.off('error', onError);
  }
}

/**
 * The statement without the semicolons and white space that end it, which would close COPY's
 * parenthesis early. A loop from the end, not a regular expression: `/[\s;]+$/` rescans every run of
 * spaces not at the end, quadratic on a long one.
 */
function withoutTrailingTerminators(text: string): string {
  let end = text.length;
  while (end > 0 && /[\s;]/.test(text.charAt(end - 1))) end -= 1;
  return text.slice(0, end);
}

/** The statement as COPY text out; newlines keep a trailing line comment off the parenthesis. */
const copyOf = (statement: string) => `copy (\n${statement}\n) to stdout`;
