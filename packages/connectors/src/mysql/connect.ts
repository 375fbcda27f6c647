import { isIP } from 'node:net';
import mysql, { type Connection, type FieldPacket } from 'mysql2';
import type { ResultLimitError } from '../postgres/result-guard';
import { DEFAULT_RESULT_LIMITS } from '../postgres/stream';
import type { ConnectContext, QueryParam } from '../registry/connector';
import type { MysqlConfig } from './kind';
import { CONNECT_TIMEOUT_MS, failure, openMysqlSocket } from './open-socket';
import { createMysqlResultGuard } from './result-guard';

/** One signed-in MySQL session, on a socket Quarry opened, with its result guard. */
export type MysqlSession = {
  connection: Connection;
  /** The server's id of this session: what `KILL QUERY` names. */
  threadId: number;
  /** Starts the result guard's byte counting (just before the user's statement). */
  armGuard: () => void;
  /** The limit that destroyed the connection, if one did. */
  limitError: () => ResultLimitError | null;
  /** One statement of ours: the text protocol without params, a prepared statement with them. */
  query: (text: string, params?: readonly QueryParam[]) => Promise<Record<string, unknown>[]>;
  /** Closes the socket at once (the server rolls back what the session left open). */
  close: () => void;
};

/**
 * TLS through mysql2's `ssl` option, over the socket Quarry opened. The object is made afresh for
 * each connection: mysql2 keeps TLS sessions for resumption per `ssl` object, and resumption skips
 * the certificate checks, so nothing may carry a session from one connection's settings to another.
 * `verify-ca` checks the chain only (as PostgreSQL's verify-ca), `verify-full` the host name too,
 * against the name entered (the socket goes to the address checked).
 */
function sslFor(config: MysqlConfig) {
  if (config.sslMode === 'disable') return undefined;
  const verify = config.sslMode === 'verify-ca' || config.sslMode === 'verify-full';
  return {
    rejectUnauthorized: verify,
    verifyIdentity: config.sslMode === 'verify-full',
    ...(verify && config.caCertificate ? { ca: config.caCertificate } : {}),
    minVersion: 'TLSv1.2' as const,
  };
}

/**
 * FLOAT and DOUBLE as the server's text: mysql2 would parseFloat them, and a reader must see what
 * the database wrote (`1e308`, `1.23457`), as every other type's text. For the text protocol only
 * (the user's statement): mysql2's binary parser hands a typeCast wrappers it cannot read.
 */
export const floatsAsText = (field: { type: string; string: () => string | null }, next: () => unknown) =>
  field.type === 'FLOAT' || field.type === 'DOUBLE' ? field.string() : next();

/**
 * Connects and signs in over a socket from `openMysqlSocket` (CONN-2), with the driver's options
 * fixed here: one statement per call (no `multipleStatements`), no `LOAD DATA LOCAL` (the
 * LOCAL_FILES capability off and no infile reader, CONN-1), no cleartext password plugin, exact
 * values (big numbers and decimals as text, dates as the server writes them, JSON as its text).
 */
export async function connectMysql(
  config: MysqlConfig,
  context: ConnectContext,
  options: {
    tag?: string;
    /** Told when a result limit closed the connection (the statement in flight gets no error). */
    onLimit?: (error: ResultLimitError) => void;
  } = {},
): Promise<MysqlSession> {
  // mysql2 checks the certificate's name only against a host name (it sends no name for an IP
  // address, and Node then checks `localhost`): verify-full with an address is refused rather than
  // checked against the wrong name.
  if (config.sslMode === 'verify-full' && isIP(config.host.replace(/^\[|\]$/g, '')) !== 0) {
    throw failure('TLS_NAME_REQUIRED', 'verify-full needs a host name');
  }
  const socket = await openMysqlSocket(config, context);
  const limits = context.limits ?? DEFAULT_RESULT_LIMITS;
  const ssl = sslFor(config);
  const connection = mysql.createConnection({
    // `host` names the server for TLS (servername, certificate check); the bytes go over `stream`.
    host: config.host,
    port: config.port,
    user: config.username,
    password: config.password,
    database: config.database,
    stream: socket,
    ...(ssl ? { ssl } : {}),
    flags: ['-LOCAL_FILES', '-MULTI_STATEMENTS'],
    multipleStatements: false,
    enableCleartextPlugin: false,
    connectTimeout: CONNECT_TIMEOUT_MS,
    charset: 'UTF8MB4_UNICODE_CI',
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    dateStrings: true,
    jsonStrings: true,
    rowsAsArray: true,
    namedPlaceholders: false,
    // Seen in performance_schema.session_connect_attrs where the server keeps it (MySQL); MariaDB
    // without performance_schema does not, so the statement also carries the tag (stream.ts).
    connectAttributes: { program_name: 'quarry', ...(options.tag ? { quarry_tag: options.tag } : {}) },
  });
  const limited: { error: ResultLimitError | null } = { error: null };
  // mysql2's destroy() only half-closes, and tells the statement in flight nothing: the sockets
  // are destroyed here (the TLS one, then the one under it) and the caller is told.
  const close = () => {
    connection.destroy();
    (connection as unknown as { stream: { destroy(): void } }).stream.destroy();
    socket.destroy();
  };
  const guard = createMysqlResultGuard(limits, (error) => {
    limited.error = error;
    close();
    options.onLimit?.(error);
  });
  // An error with no command to take it (the server closing an idle session) must not crash us.
  connection.on('error', () => {});
  try {
    await new Promise<void>((resolve, reject) => {
      connection.connect((error) => (error ? reject(error) : resolve()));
    });
  } catch (error) {
    connection.destroy();
    socket.destroy();
    throw error;
  }
  // After the handshake, on a packet boundary, and to the TLS socket when TLS is on: plaintext.
  (connection as unknown as { stream: NodeJS.ReadableStream }).stream.on('data', guard.onData);
  return {
    connection,
    threadId: connection.threadId,
    armGuard: guard.arm,
    limitError: () => limited.error,
    query: (text, params) => runQuery(connection, text, params),
    close,
  };
}

/** Our own statements' rows, which arrive as arrays (`rowsAsArray`), as objects by column name. */
function runQuery(
  connection: Connection,
  text: string,
  params?: readonly QueryParam[],
): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, rows: unknown, fields?: FieldPacket[]) => {
      if (error) return reject(error);
      if (!Array.isArray(rows)) return resolve([]);
      const names = (fields ?? []).map((f) => f.name);
      resolve((rows as unknown[][]).map((row) => Object.fromEntries(names.map((name, i) => [name, row[i]]))));
    };
    if (params && params.length > 0) connection.execute({ sql: text, values: [...params] }, done);
    else connection.query({ sql: text }, done);
  });
}
