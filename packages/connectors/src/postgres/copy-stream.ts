import type { Readable } from 'node:stream';
import type { Column } from '@quarry/contracts';
import postgres from 'postgres';
import type { PostgresConfig, StreamEvent, StreamOptions } from '../types';
import { MAX_COPY_PARAMETERS, parameterSettingsSql, withParameterReads } from './copy-parameters';
import { toConnectorError } from './errors';
import type { ResultLimitError } from './result-guard';
import type { PostgresSession } from './session-pool';
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

type Described = { columns: { name: string; type: number }[]; types: number[] };

type Sql = ReturnType<typeof connectPostgres>;
type Param = string | number | boolean | null;

/**
 * A run's tag as `application_name` takes it, set in the run's transaction on a kept session (so
 * it ends with the transaction): plain characters only, since it is written into the query's text.
 */
const KEPT_SESSION_TAG = /^[A-Za-z0-9_.:-]{1,63}$/;

/**
 * Errors of the COPY statement itself, before it produced anything, that mean the wrapping did not
 * fit the statement rather than that the statement failed: a syntax error of `COPY (…) TO STDOUT`
 * (not a plain query: `show`, `explain`, `fetch`, `call`), a placeholder the rewrite left (the
 * server found a `$n` the connector did not), and a feature the server does not have in COPY. The statement was checked on its own before, so the
 * cursor path then takes it and reports its own error if it has one.
 */
const NOT_COPYABLE = new Set(['42601', '42P02', '0A000']);

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
 * The statement is checked before anything runs, on the run's session, inside its transaction,
 * over the extended protocol, which takes exactly one statement: it is described as it is (its
 * columns, and the types of its parameters). A statement that parses alone is a whole token
 * sequence (every quote, comment and parenthesis closed), so `COPY (\n<statement>\n) TO STDOUT`
 * is COPY of exactly that statement; the newlines keep a trailing `--` comment from swallowing the
 * parenthesis. Whether COPY takes it (a plain query, not `show` or `explain`) is then the server's
 * grammar's answer when the COPY is parsed, before any of it runs: the same parse a separate
 * describe of the COPY did, one round trip less.
 *
 * Bound parameters stay bound (CONN-4): each value is bound to a `set_config` of the transaction
 * with the type the server inferred for it, and the COPY reads it back through a typed
 * `current_setting` (copy-parameters.ts).
 *
 * Falls back to the cursor path (streamPostgres, on a connection of its own) when:
 * - describing it fails (its error is then the cursor path's to report, as it always was);
 * - it returns no columns (DDL, `select … into`, a statement without a result);
 * - the server refuses it inside COPY before it ran (NOT_COPYABLE): not a plain query (`show`,
 *   `explain`, `fetch`, `call`), or a server that speaks the protocol without COPY TO STDOUT;
 * - it has parameters and the session's `standard_conforming_strings` is off (where the connector's
 *   lexer would not find the placeholders the server's does), or more than MAX_COPY_PARAMETERS.
 * Callers choose this path only where nothing must look at each row (see the connector's
 * `passthrough` request) and for servers that are PostgreSQL (tier 1 kinds).
 */
export async function* streamPostgresCopy(
  config: PostgresConfig,
  text: string,
  params: readonly (string | number | boolean | null)[],
  options: CopyStreamOptions,
): AsyncGenerator<PassthroughEvent> {
  if (params.length > MAX_COPY_PARAMETERS) {
    yield* streamPostgres(config, text, params, options);
    return;
  }
  const limited: { error: ResultLimitError | null } = { error: null };
  const connectOptions = {
    timeoutMs: options.timeoutMs,
    allow: options.allow,
    ...(options.ownDatabase ? { ownDatabase: options.ownDatabase } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.tag ? { tag: options.tag } : {}),
    ...(options.dial ? { dial: options.dial } : {}),
    exactText: true,
    guard: 'copy' as const,
    onLimit: (error: ResultLimitError) => {
      limited.error = error;
    },
  };
  // A kept session (session-pool.ts) only where nothing of the run may outlive it at the server:
  // no reader's identity (CONN-5) nor any other prepare step, no SSH tunnel of the run's own.
  const pool =
    options.sessions && !options.prepare && !options.dial && KEPT_SESSION_TAG.test(options.tag ?? '')
      ? options.sessions
      : null;
  const kept: PostgresSession | null = pool ? pool.take(config, connectOptions) : null;
  const sql = kept ? kept.sql : connectPostgres(config, connectOptions);
  /** Ends the session, or gives it back to the pool when `reusable` (idle, never cancelled). */
  const release = async (reusable: boolean) => {
    if (pool && kept) pool.give(kept, reusable, reusable ? options.keepSessionAfter?.() : undefined);
    else await sql.end({ timeout: reusable ? 2 : 0 }).catch(() => {});
  };
  const statement = withoutTrailingTerminators(text);
  let described: Described | null;
  // Until the COPY itself (copyRows, which watches the signal from there): a cancel stops the
  // query in flight now, the describe above all, which waits on any lock its tables are under.
  let inFlight: { cancel: () => unknown } | null = null;
  const onEarlyAbort = () => {
    void inFlight?.cancel();
  };
  options.signal?.addEventListener('abort', onEarlyAbort, { once: true });
  try {
    // One round trip opens the READ ONLY transaction and, as its first query, sets the run's
    // timeout and the text settings locally (so `set transaction read write` is refused after it,
    // and a parse that waits for locks is bounded too): both are static text with no parameter,
    // which postgres.js pipelines. The cancel key goes to the runner before the statement's text
    // is sent at all, the describe included (JOB-6).
    const settings = sql.unsafe(
      transactionSettingsSql(options.timeoutMs, pool ? (options.tag ?? null) : null),
    );
    const [begun] = await Promise.all([sql.unsafe('start transaction read only'), settings]);
    const session = sessionKeyOf(begun);
    if (session && options.onSession) await options.onSession(session);
    described = options.signal?.aborted
      ? null
      : await describeForCopy(sql, statement, params, (query) => {
          inFlight = query;
        });
  } catch (error) {
    // Connecting or signing in failed (or storing the cancel key): the cursor path would only fail
    // the same way, later.
    options.signal?.removeEventListener('abort', onEarlyAbort);
    await release(false);
    yield {
      type: 'error',
      error: toConnectorError(error, { timeoutMs: options.timeoutMs, cancelled: false }),
    };
    return;
  }
  options.signal?.removeEventListener('abort', onEarlyAbort);
  if (!described || (params.length > 0 && sql.parameters.standard_conforming_strings !== 'on')) {
    await release(!options.signal?.aborted);
    yield* streamPostgres(config, text, params, options);
    return;
  }
  const copied = yield* copyRows(sql, statement, params, described, { ...options, release }, limited);
  if (copied === 'not copyable') yield* streamPostgres(config, text, params, options);
}

/**
 * The transaction's first query: the statement timeout and the settings that shape the values'
 * text, local. The timeout is a number checked as such, written into the text so that the query
 * has no parameter (postgres.js describes a query with parameters first, a round trip of its own,
 * and does not pipeline it).
 */
function transactionSettingsSql(timeoutMs: number, tag: string | null): string {
  const ms = Math.ceil(timeoutMs);
  if (!Number.isSafeInteger(ms) || ms < 0) throw new Error(`not a statement timeout: ${timeoutMs}`);
  if (tag !== null && !KEPT_SESSION_TAG.test(tag)) throw new Error('not a session tag');
  // A kept session carries the run's tag for this transaction only (orphan-cancel finds it by it).
  const named = tag === null ? '' : `pg_catalog.set_config('application_name', '${tag}', true), `;
  return `select ${named}pg_catalog.set_config('statement_timeout', '${ms}', true), ${PIN_TEXT_SETTINGS_SQL}`;
}

/**
 * The statement's columns and parameter types when COPY can take it, or null when it cannot (the
 * cursor path takes it then, and reports its error if it has one). Described over the extended
 * protocol, which takes exactly one statement, with the values' types as the cursor path declares
 * them. Throws only what is not the server's answer to the statement (connecting, signing in).
 *
 * One describe: whether `COPY (…) TO STDOUT` takes the statement is the server's grammar's to say
 * when the COPY itself is parsed, before anything of it runs (NOT_COPYABLE); a statement that
 * parses alone is a whole token sequence (every quote, comment and parenthesis closed), so the
 * wrapped text is COPY of exactly that statement.
 */
async function describeForCopy(
  sql: Sql,
  statement: string,
  params: readonly Param[],
  track: (query: { cancel: () => unknown }) => void,
): Promise<Described | null> {
  try {
    const query = sql.unsafe(statement, params as Param[]).describe();
    track(query as unknown as { cancel: () => unknown });
    const described = (await query) as unknown as Described;
    if (described.columns.length === 0) return null;
    if (described.types.length !== params.length) return null;
    return described;
  } catch (error) {
    if (error instanceof postgres.PostgresError) return null;
    throw error;
  }
}

/**
 * The COPY itself, on the session streamPostgresCopy opened (its transaction begun and pinned):
 * the run's prepare step, the parameters' settings, then `COPY (…) TO STDOUT` and its text. Answers
 * 'not copyable' when the server refused the wrapped statement before it ran (NOT_COPYABLE), having
 * yielded nothing: the caller then runs it on the cursor path.
 */
async function* copyRows(
  sql: Sql,
  statement: string,
  params: readonly Param[],
  described: Described,
  options: CopyStreamOptions & { release: (reusable: boolean) => Promise<void> },
  limited: { error: ResultLimitError | null },
): AsyncGenerator<PassthroughEvent, 'copied' | 'not copyable'> {
  const batchRows = options.batchSize ?? 1000;
  let cancelled = false;
  // Whether the session is idle at the end; a COPY left midway is not waited for.
  let settled = false;
  // Whether a cancel request went to the server: one that lands late would stop whatever the
  // session runs next, so such a session is never given to another run.
  let cancelSent = false;
  let startedAt = performance.now();
  let copy: (Promise<unknown> & { active?: boolean; cancel: () => unknown }) | null = null;
  let stream: Readable | null = null;
  const cancelOnServer = () => {
    if (!copy) return;
    // postgres.js marks a query inactive once it resolved with its COPY stream, and cancel() of an
    // inactive query only flags it; marked active again, it sends the server a CancelRequest.
    copy.active = true;
    cancelSent = true;
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
    // What the run sets before the user's SQL (the reader's identity, CONN-5): bound values, on
    // this session, inside this transaction, gone with the connection.
    if (options.prepare) {
      await options.prepare(
        (query, values) =>
          sql.unsafe(query, values as Param[]) as unknown as Promise<Record<string, unknown>[]>,
      );
    }
    let copyText = copyOf(statement);
    if (params.length > 0) {
      // Each value bound to the type the server inferred for it (copy-parameters.ts).
      const [names] = (await sql.unsafe(
        parameterSettingsSql(
          described.types,
          params.map((value) => value === null),
        ),
        params.map((value, i) => sql.typed(value as never, described.types[i] as number)) as never[],
      )) as unknown as Record<string, unknown>[];
      const typeNames = described.types.map((_, i) => names?.[`t${i + 1}`]);
      const rewritten = typeNames.every((name): name is string => typeof name === 'string')
        ? withParameterReads(statement, typeNames)
        : null;
      if (rewritten === null) {
        settled = true;
        return 'not copyable';
      }
      copyText = copyOf(rewritten);
    }
    if (cancelled) throw new Error('aborted before start');
    const columns: Column[] = described.columns.map((c) =>
      columnFor(c.name, c.type, sql.parameters.TimeZone),
    );
    startedAt = performance.now();
    const query = sql.unsafe(copyText);
    copy = query as unknown as typeof copy;
    try {
      stream = (await query) as unknown as Readable;
    } catch (error) {
      if (error instanceof postgres.PostgresError && NOT_COPYABLE.has(error.code) && !cancelled) {
        settled = true;
        return 'not copyable';
      }
      throw error;
    }
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
      // The guard sees each socket read before the driver does, and trips inside it: what the
      // driver still made of that read (a row under a few kB, the COPY's end) is not handed on,
      // and the session, whose socket the guard destroyed, takes no further query.
      if (limited.error) throw limited.error;
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
    if (limited.error) throw limited.error;
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
    if (!settled && stream && !stream.destroyed) {
      // Left midway (truncated, cancelled, or the reader stopped): the server may be blocked
      // writing to a socket nobody reads, where it takes no cancel and reads no Terminate, so its
      // backend would never end. It is cancelled, and what it still sends flows and is dropped
      // until the cancel ends the COPY and the Terminate the session.
      cancelOnServer();
      stream.resume();
    }
    await options.release(settled && !cancelSent && !cancelled && limited.error === null);
  }
  return 'copied';
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
