import type { Cell, Column } from '@quarry/contracts';
import type { AllowList } from '@quarry/net-policy';
import postgres from 'postgres';
import type { Dialer } from '../registry/connector';
import { toCell } from '../registry/driver-cell';
import type { PostgresConfig, StreamEvent, StreamOptions } from '../types';
import { createCopyGuard } from './copy-guard';
import { openPostgresSocket } from './open-socket';
import type { OwnDatabase } from './own-database';
import { createResultGuard, type ResultLimitError, type ResultLimits } from './result-guard';
import { streamErrorOf } from './stream-error';
import { columnFor, EXACT_TEXT_STARTUP, EXACT_TEXT_TYPES, PIN_TEXT_SETTINGS_SQL } from './types-map';

type StatementColumns = { statement?: { columns?: { name: string; type: number }[] } };

/** Defaults when a caller sets no limits: generous, but far below what takes a process down. */
export const DEFAULT_RESULT_LIMITS: ResultLimits = {
  maxValueBytes: 16 * 1024 * 1024,
  maxResultBytes: 256 * 1024 * 1024,
};

/** Sockets one client may open: its connection, a retry, and cancel requests. */
const MAX_SOCKETS_PER_CLIENT = 4;

export type ConnectOptions = {
  timeoutMs: number;
  /** Private addresses the operator allowed (CONN-2); everything else internal is refused. */
  allow: AllowList;
  /** Quarry's own database, refused whatever the allow list says (CONN-2). */
  ownDatabase?: OwnDatabase;
  limits?: ResultLimits;
  onLimit?: (error: ResultLimitError) => void;
  /** The session's `application_name`: a run's tag, so an orphaned query can be found and cancelled. */
  tag?: string;
  /** Reaches the server through an SSH tunnel's channel instead of a checked socket. */
  dial?: Dialer;
  /** Values as the server's text (EXACT_TEXT_TYPES), for results; Quarry's own queries leave it off. */
  exactText?: boolean;
  /**
   * Which messages carry the result the byte limits watch: DataRow (`rows`, the default) or
   * CopyData (`copy`, a `COPY … TO STDOUT`, copy-stream.ts).
   */
  guard?: 'rows' | 'copy';
};

/**
 * What a client's sockets report to: the byte guard of the run it serves, and how many sockets it
 * opened for that run. A session kept for another run (session-pool.ts) is re-armed with that run's
 * guard and count; any other client keeps the ones it was made with.
 */
export type SocketWatch = {
  guard: { onData: (chunk: Buffer) => void };
  sockets: number;
  /** The socket in use, which a tripped guard destroys. */
  socket: { destroy: (error?: Error) => void } | null;
  /** Whether the session's socket closed (the server or the network ended it). */
  closed: boolean;
};

/** Arms `watch` for a run: a fresh byte guard with its limits, and a fresh socket count. */
export function armSocketWatch(
  watch: SocketWatch,
  options: Pick<ConnectOptions, 'limits' | 'onLimit' | 'guard'>,
): void {
  const limits = options.limits ?? DEFAULT_RESULT_LIMITS;
  watch.sockets = 0;
  watch.guard = (options.guard === 'copy' ? createCopyGuard : createResultGuard)(limits, (error) => {
    options.onLimit?.(error);
    watch.socket?.destroy(error);
  });
}

export function connectPostgres(config: PostgresConfig, options: ConnectOptions) {
  const watch: SocketWatch = { guard: { onData: () => {} }, sockets: 0, socket: null, closed: false };
  armSocketWatch(watch, options);
  return connectWatched(config, options, watch, { keep: false });
}

/**
 * The driver for one session whose sockets report to `watch`. `keep`: a session the pool keeps
 * between runs (session-pool.ts): no idle timeout or lifetime of the driver's own (the pool ends
 * it), and the startup `application_name` is the runner's, since a run's tag is set in its own
 * transaction and must not outlive it.
 */
export function connectWatched(
  config: PostgresConfig,
  options: ConnectOptions,
  watch: SocketWatch,
  session: { keep: boolean },
) {
  // postgres.js reconnects at once, without end, when a server hangs up during the handshake: a
  // port that answers something else would take thousands of connections from one test or run.
  // One client needs its connection and a cancel request; past a few sockets it is refused.
  // TLS is negotiated in openPostgresSocket, so the driver itself is told `ssl: false` and reads
  // plaintext that the result guard has already seen.
  const socket = async () => {
    watch.sockets += 1;
    if (watch.sockets > MAX_SOCKETS_PER_CLIENT) {
      throw Object.assign(new Error('the server closed the connection before it was ready'), {
        code: 'HANDSHAKE_FAILED',
      });
    }
    const opened = await openPostgresSocket(config, options.allow, options.ownDatabase, options.dial);
    watch.socket = opened;
    watch.closed = false;
    opened.on('data', (chunk: Buffer) => watch.guard.onData(chunk));
    opened.once('close', () => {
      if (watch.socket === opened) watch.closed = true;
    });
    return opened;
  };
  const driverOptions = {
    host: config.host,
    port: config.port,
    database: config.database,
    username: config.username,
    password: config.password,
    ssl: false,
    socket,
    max: 1,
    ...(session.keep ? { idle_timeout: 0, max_lifetime: null } : { idle_timeout: 5 }),
    connect_timeout: 10,
    prepare: false,
    onnotice: () => {},
    // Results are the server's text: no Date, float, JSON or Buffer on the way (types-map.ts), and
    // arrays stay PostgreSQL's array text because their element types are never fetched.
    ...(options.exactText ? { types: EXACT_TEXT_TYPES, fetch_types: false } : {}),
    // The settings that shape the text are pinned, whatever the server's defaults (the rest of
    // them in streamPostgres's first query). The statement timeout is set by a query, not here:
    // PgBouncer-style poolers refuse a startup message that names it.
    connection: {
      application_name: session.keep ? 'quarry-runner' : (options.tag ?? 'quarry-runner'),
      ...EXACT_TEXT_STARTUP,
    },
  };
  // postgres.js accepts `socket` but its types do not declare it.
  return postgres(driverOptions as postgres.Options<Record<string, postgres.PostgresType>>);
}

/**
 * Runs one statement with bound parameters through a server-side cursor and yields its columns,
 * then batches of rows as they arrive, then the end. Memory holds one batch at a time; the row
 * limit stops the cursor (and marks the result truncated); the byte limits stop a result too big to
 * hold; the signal cancels the query on the server, not just here.
 *
 * The statement runs inside a READ ONLY transaction opened first, on a connection of its own that
 * closes afterwards, so nothing the SQL sets (`set_config`, roles) outlives the run. The transaction
 * never commits: closing the connection rolls it back, so even what READ ONLY lets through
 * (large-object functions) leaves nothing behind. The SQL goes
 * over the extended protocol, which takes exactly one statement, so `commit; insert …` cannot
 * leave the transaction, and `set transaction read write` is refused because a query already ran
 * in it.
 */
export async function* streamPostgres(
  config: PostgresConfig,
  text: string,
  params: readonly (string | number | boolean | null)[],
  options: StreamOptions & { onSession?: (key: string) => Promise<void> },
): AsyncGenerator<StreamEvent> {
  const limited: { error: ResultLimitError | null } = { error: null };
  const sql = connectPostgres(config, {
    timeoutMs: options.timeoutMs,
    allow: options.allow,
    ...(options.ownDatabase ? { ownDatabase: options.ownDatabase } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.tag ? { tag: options.tag } : {}),
    ...(options.dial ? { dial: options.dial } : {}),
    exactText: true,
    onLimit: (error) => {
      limited.error = error;
    },
  });
  const batchSize = options.batchSize ?? 1000;
  let cancelled = false;
  let startedAt = performance.now();
  const query = sql.unsafe(text, params as (string | number | boolean | null)[]).values();
  const onAbort = () => {
    cancelled = true;
    void query.cancel();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let columns: Column[] | null = null;
  let rowCount = 0;
  let truncated = false;
  try {
    if (options.signal?.aborted) {
      cancelled = true;
      throw new Error('aborted before start');
    }
    const begun = await sql.unsafe('start transaction read only');
    // The backend's pid and secret (postgres.js keeps them on a result as `state`): the key a
    // cancel request from any process needs, kept by the runner so an orphaned query can be
    // stopped after this process died (JOB-6).
    const session = sessionKeyOf(begun);
    if (session && options.onSession) await options.onSession(session);
    // Set locally too, and as a first query of the transaction: after it, `set transaction read
    // write` is refused ("must be set before any query").
    // The same round trip pins the settings that shape the values' text (types-map.ts).
    await sql.unsafe(`select set_config('statement_timeout', $1, true), ${PIN_TEXT_SETTINGS_SQL}`, [
      String(options.timeoutMs),
    ]);
    // What the run sets before the user's SQL (the reader's identity, CONN-5): bound values, on
    // this session, inside this transaction, gone with the connection.
    if (options.prepare) {
      await options.prepare(
        (statement, values) =>
          sql.unsafe(statement, values as (string | number | boolean | null)[]) as unknown as Promise<
            Record<string, unknown>[]
          >,
      );
    }
    if (cancelled) throw new Error('aborted before start');
    startedAt = performance.now();
    for await (const batch of query.cursor(batchSize)) {
      // The guard trips inside a socket read the driver still parses: a value over the limit that
      // arrived in one read is not handed on (nor the end of a result it completed).
      if (limited.error) throw limited.error;
      if (!columns) {
        columns = describe(query, sql.parameters.TimeZone);
        yield { type: 'columns', columns };
        if (cancelled) throw new Error('aborted while streaming');
      }
      const room = options.rowLimit - rowCount;
      if (batch.length > room) {
        // A row beyond the limit exists: keep what fits, mark the result truncated, and leave the
        // loop, which closes the cursor so the server stops producing rows.
        truncated = true;
        if (room > 0) yield { type: 'rows', rows: batch.slice(0, room).map(toRow) };
        rowCount += Math.max(room, 0);
        break;
      }
      rowCount += batch.length;
      yield { type: 'rows', rows: batch.map(toRow) };
      // A cancel that arrived while the consumer held this batch found the server idle between
      // fetches; leaving the loop closes the cursor.
      if (cancelled) throw new Error('aborted while streaming');
    }
    if (limited.error) throw limited.error;
    if (!columns) yield { type: 'columns', columns: describe(query, sql.parameters.TimeZone) };
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
    await sql.end({ timeout: 2 }).catch(() => {});
  }
}

const toRow = (row: unknown): Cell[] => (row as unknown[]).map(toCell);

/** A PostgreSQL session's cancel key: its backend's pid and secret, as the cancel request sends them. */
export type PostgresSessionKey = { pid: number; secret: number };

const isUint32 = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff;

/** The key of the session a postgres.js result came from, as opaque text; null when it has none. */
export function sessionKeyOf(result: unknown): string | null {
  const state = (result as { state?: { pid?: unknown; secret?: unknown } } | null)?.state;
  if (!state || !isUint32(state.pid) || !isUint32(state.secret)) return null;
  return JSON.stringify({ pid: state.pid, secret: state.secret } satisfies PostgresSessionKey);
}

/** Reads a key `sessionKeyOf` wrote; null for anything else. */
export function parsePostgresSessionKey(key: string): PostgresSessionKey | null {
  try {
    const parsed: unknown = JSON.parse(key);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { pid, secret } = parsed as Record<string, unknown>;
    return isUint32(pid) && isUint32(secret) ? { pid, secret } : null;
  } catch {
    return null;
  }
}

const CANCEL_REQUEST_CODE = 80877102;
/** How long a cancel request waits for the server to close its socket (it answers nothing). */
const CANCEL_WAIT_MS = 5_000;

/**
 * Sends PostgreSQL's cancel request for `key`'s session over a socket of its own, opened through
 * the same checked path (CONN-2, TLS, SSH) as a run's. The server answers by closing the socket,
 * and cancels only when the pid and secret match, so a stale key cancels nothing.
 */
export async function cancelPostgresSession(
  config: PostgresConfig,
  key: PostgresSessionKey,
  options: { allow: AllowList; ownDatabase?: OwnDatabase; dial?: Dialer },
): Promise<void> {
  const socket = await openPostgresSocket(config, options.allow, options.ownDatabase, options.dial);
  try {
    const message = Buffer.alloc(16);
    message.writeInt32BE(16, 0);
    message.writeInt32BE(CANCEL_REQUEST_CODE, 4);
    message.writeUInt32BE(key.pid, 8);
    message.writeUInt32BE(key.secret, 12);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, CANCEL_WAIT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      socket.once('close', done);
      socket.once('end', done);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.write(message);
    });
  } finally {
    socket.destroy();
  }
}

/** The statement's columns; `timeZone` is the session's as the server last reported it. */
function describe(query: unknown, timeZone: string | undefined): Column[] {
  const columns = (query as StatementColumns).statement?.columns ?? [];
  return columns.map((c) => columnFor(c.name, c.type, timeZone));
}
