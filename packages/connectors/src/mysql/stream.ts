import { randomBytes } from 'node:crypto';
import type { Cell, Column } from '@quarry/contracts';
import type { FieldPacket } from 'mysql2';
import type { ConnectContext, QueryParam, StreamRequest } from '../registry/connector';
import { toCell } from '../registry/driver-cell';
import type { StreamEvent } from '../types';
import { connectMysql, floatsAsText, type MysqlSession } from './connect';
import { toConnectorError } from './errors';
import { killQuery, mysqlSessionKey } from './kill';
import type { MysqlConfig } from './kind';
import { isMariadb, timeoutSetting } from './server-limits';
import { tagPrefix } from './session-tag';
import { cellDecoder, columnFor } from './types-map';

/** How long past the timeout our own watchdog waits for the server's before it kills the query. */
const WATCHDOG_GRACE_MS = 1000;
/** How long a killed statement has to report its end before its session is killed instead. */
const KILL_CONFIRM_MS = 1000;

const delay = (ms: number) => new Promise<false>((resolve) => setTimeout(() => resolve(false), ms).unref());

type Item =
  | { type: 'columns'; fields: FieldPacket[] }
  | { type: 'rows'; rows: unknown[][] }
  | { type: 'end'; truncated: boolean }
  | { type: 'error'; error: unknown }
  | { type: 'stop' };

/**
 * A queue between the driver's events and the generator. When the generator asks and nothing is
 * waiting, `onDrained` runs: that is where the paused connection is resumed, so rows are read from
 * the server only as fast as the reader takes them.
 */
function channel(onDrained: () => void) {
  const items: Item[] = [];
  let wake: (() => void) | null = null;
  return {
    push(item: Item) {
      items.push(item);
      wake?.();
      wake = null;
    },
    async next(): Promise<Item> {
      for (;;) {
        const item = items.shift();
        if (item) return item;
        // Resuming hands over the packets read before the pause at once: look again before waiting.
        onDrained();
        if (items.length > 0) continue;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
}

/**
 * The statement to send, its parameters bound at the server (CONN-4). With none, the SQL itself.
 * With some, the SQL and the values are bound into session variables by a prepared `SET` (the
 * binary protocol, whose result format does not matter for a SET), then prepared and executed in
 * SQL: `EXECUTE … USING @quarry_p1, …` answers over the text protocol, so every result reaches the
 * reader as the server's text, the same with parameters as without. The tag starts both the
 * prepared text and the EXECUTE, so PROCESSLIST shows it whichever the server reports.
 */
async function bindParameters(
  session: MysqlSession,
  text: string,
  params: readonly QueryParam[],
  tag: string,
): Promise<string> {
  if (params.length === 0) return text;
  const names = params.map((_, i) => `@quarry_p${i + 1}`);
  await session.query(`SET @quarry_sql = ?, ${names.map((name) => `${name} = ?`).join(', ')}`, [
    text,
    ...params,
  ]);
  await session.query('PREPARE quarry_statement FROM @quarry_sql');
  return `${tag}EXECUTE quarry_statement USING ${names.join(', ')}`;
}

/**
 * Runs one statement with bound parameters and yields its columns, then batches of rows as they
 * arrive, then the end. Rows are read as the reader takes them: after each full batch the
 * connection is paused (the socket stops reading, TCP backpressure stops the server) until the
 * next batch is asked for, so memory holds about one batch whatever the result's size.
 *
 * The session is its own (closed afterwards, rolling back), set read-only (the session's default,
 * and an XA transaction under a random xid, which nothing in the statement can commit or end); one
 * statement per call, so `COMMIT; DELETE …` is a syntax error. Parameters are bound at the server
 * (CONN-4, `bindParameters`). The server enforces the timeout (MariaDB `max_statement_time`, MySQL
 * `max_execution_time`) and our watchdog backs it up with `KILL QUERY` (MariaDB's
 * `SET STATEMENT max_statement_time=0 FOR …` would lift the first). `sql_select_limit` stops a
 * plain SELECT one row past the limit at the server; a statement with its own LIMIT is cut here and
 * killed at the server. The signal kills the query on the server (`KILL QUERY` over a second
 * connection), as does a reader that stops reading early.
 */
export async function* streamMysql(
  config: MysqlConfig,
  request: StreamRequest,
  context: ConnectContext,
): AsyncGenerator<StreamEvent> {
  const batchSize = Math.max(1, request.batchSize ?? 1000);
  let session: MysqlSession | null = null;
  let cancelled = false;
  let timedOut = false;
  let running = false;
  let finished = false;
  let killing: Promise<unknown> | null = null;
  /** Resolves when the statement ended at the server (its end or its error reached us). */
  let settledCommand: Promise<true> | null = null;
  let watchdog: NodeJS.Timeout | undefined;
  const queue = channel(() => session?.connection.resume());
  const kill = () => {
    if (session && !killing) killing = killQuery(config, context, session.threadId).catch(() => false);
  };
  /**
   * A KILL QUERY that reached the server before it began the statement kills nothing, and a closed
   * socket does not stop a statement that is not writing (SLEEP runs on). So the kill is confirmed:
   * the statement's end (its error) must arrive soon after; if not, the session itself is killed.
   */
  const confirmStopped = async () => {
    if (!session || !settledCommand) return;
    session.connection.resume();
    const stopped = await Promise.race([settledCommand, delay(KILL_CONFIRM_MS)]);
    if (stopped !== true) await killQuery(config, context, session.threadId, 'connection').catch(() => false);
  };
  const onAbort = () => {
    cancelled = true;
    kill();
    queue.push({ type: 'stop' });
  };
  context.signal?.addEventListener('abort', onAbort, { once: true });
  let columns: Column[] | null = null;
  let rowCount = 0;
  const tag = request.tag ? tagPrefix(request.tag) : '';
  const text = `${tag}${request.sql}`;
  try {
    if (context.signal?.aborted) {
      cancelled = true;
      throw new Error('aborted before start');
    }
    session = await connectMysql(config, context, {
      ...(request.tag ? { tag: request.tag } : {}),
      onLimit: (error) => queue.push({ type: 'error', error }),
    });
    const active = session;
    // The thread's id (with the run's tag, checked before a kill, since ids are reused): what a
    // runner cancels an orphaned query with after this process died (JOB-6).
    await request.onSession?.(mysqlSessionKey(active.threadId, request.tag));
    const { mariadb } = await isMariadb(active);
    const selectLimit = Math.floor(request.rowLimit) + 1;
    await active.query(
      `SET ${timeoutSetting(mariadb, context.timeoutMs)}${Number.isSafeInteger(selectLimit) && selectLimit > 0 ? `, SESSION sql_select_limit = ${selectLimit}` : ''}`,
    );
    await active.query('SET SESSION TRANSACTION READ ONLY');
    // An XA transaction rather than START TRANSACTION: inside it COMMIT, START TRANSACTION and SET
    // TRANSACTION are refused, and only `XA END <xid>` ends it, with an xid the SQL never sees. A
    // plain transaction can be committed from inside one statement (a procedure, a compound block,
    // EXECUTE IMMEDIATE), set read-write and written through. It rolls back when the session closes.
    await active.query(`XA START '${randomBytes(16).toString('hex')}'`);
    // What the run sets before the user's SQL (the reader's identity, CONN-5): bound values, on
    // this session, inside this transaction, gone with the connection.
    if (request.prepare) await request.prepare((sql, values) => active.query(sql, values));
    const statement = await bindParameters(active, text, request.params, tag);
    if (cancelled) throw new Error('aborted before start');
    active.armGuard();
    watchdog = setTimeout(() => {
      timedOut = true;
      kill();
      queue.push({ type: 'stop' });
    }, context.timeoutMs + WATCHDOG_GRACE_MS);
    running = true;
    const command = active.connection.query({ sql: statement, rowsAsArray: true, typeCast: floatsAsText });
    settledCommand = new Promise<true>((resolve) => {
      command.once('end', () => resolve(true));
    });
    let resultSets = 0;
    let batch: unknown[][] = [];
    let received = 0;
    const flush = () => {
      if (batch.length > 0) queue.push({ type: 'rows', rows: batch });
      batch = [];
    };
    command.on('fields', (fields?: FieldPacket[]) => {
      resultSets += 1;
      if (resultSets === 1 && fields) queue.push({ type: 'columns', fields });
    });
    // Only the first result set is read (a procedure's CALL may answer several); a statement that
    // answers no rows (an OK packet, not an array) ends with none.
    command.on('result', (row: unknown) => {
      if (finished || resultSets !== 1 || !Array.isArray(row)) return;
      if (received >= request.rowLimit) {
        // A row past the limit exists: keep what fits, mark the result truncated, and stop the
        // statement at the server (a closed socket alone is noticed only at the server's next
        // flush, which a slow statement reaches seconds later).
        finished = true;
        flush();
        queue.push({ type: 'end', truncated: true });
        kill();
        return;
      }
      received += 1;
      batch.push(row);
      if (batch.length >= batchSize) {
        flush();
        active.connection.pause();
      }
    });
    command.on('error', (error: unknown) => {
      if (finished) return;
      finished = true;
      queue.push({ type: 'error', error });
    });
    command.on('end', () => {
      if (finished) return;
      finished = true;
      flush();
      queue.push({ type: 'end', truncated: false });
    });
    let decoders: ((value: unknown) => Cell)[] = [];
    for (;;) {
      const item = await queue.next();
      if (item.type === 'stop') throw new Error(cancelled ? 'cancelled' : 'timed out');
      if (item.type === 'error') throw item.error;
      if (item.type === 'columns') {
        columns = item.fields.map(columnFor);
        decoders = item.fields.map(cellDecoder);
        yield { type: 'columns', columns };
      } else if (item.type === 'rows') {
        rowCount += item.rows.length;
        yield {
          type: 'rows',
          rows: item.rows.map((row) => row.map((value, i) => (decoders[i] ?? toCell)(value))),
        };
      } else {
        if (!columns) yield { type: 'columns', columns: [] };
        yield { type: 'end', rowCount, truncated: item.truncated };
        return;
      }
      // A cancel or a timeout that came while the reader held the batch.
      if (cancelled || timedOut) throw new Error('stopped while streaming');
    }
  } catch (error) {
    yield {
      type: 'error',
      error: toConnectorError(session?.limitError() ?? error, {
        timeoutMs: context.timeoutMs,
        cancelled,
        timedOut,
        sql: request.sql,
      }),
    };
  } finally {
    clearTimeout(watchdog);
    context.signal?.removeEventListener('abort', onAbort);
    // A reader that stopped early (or an error) leaves the statement running: stop it at the server.
    if (running && !finished) kill();
    finished = true;
    if (killing) {
      await killing;
      await confirmStopped();
    }
    session?.close();
  }
}
