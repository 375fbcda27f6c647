import { toConnectorError as toPostgresError } from '../postgres/errors';
import { ResultLimitError } from '../postgres/result-guard';
import type { ConnectorError } from '../types';

type MysqlLikeError = {
  code?: string;
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  message?: string;
};

/** Server error numbers we name (MySQL's and MariaDB's include/mysqld_error.h). */
const ER = {
  DBACCESS_DENIED: 1044,
  ACCESS_DENIED: 1045,
  BAD_DB: 1049,
  PARSE: 1064,
  QUERY_INTERRUPTED: 1317,
  CONNECTION_KILLED: 1927,
  MARIADB_STATEMENT_TIMEOUT: 1969,
  MYSQL_QUERY_TIMEOUT: 3024,
} as const;

/**
 * Network and policy failures mean the same as PostgreSQL's: one wording for both. Only these
 * codes are handed to its mapper; a MySQL server error never is (its SQLSTATEs differ).
 */
const SHARED_CODES = new Set([
  'net.address_refused',
  'net.own_database',
  'net.unresolvable',
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECT_TIMEOUT',
]);

export type ErrorContext = {
  timeoutMs: number;
  /** The reader (the signal) cancelled: whatever the server said after is the cancel's doing. */
  cancelled: boolean;
  /** Our watchdog killed the statement because it passed the timeout. */
  timedOut?: boolean;
  /** The user's SQL, for the syntax error's position. */
  sql?: string;
};

const seconds = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);

/**
 * Turns what mysql2 threw into a typed error that says what to do. The driver's own text names
 * addresses and ports: it goes to `internal` only, never to the message, except a server's SQL
 * error, which is about the user's query.
 */
export function toConnectorError(error: unknown, context: ErrorContext): ConnectorError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as MysqlLikeError;
  const code = e.code ?? '';
  const errno = e.errno ?? 0;
  const message = e.sqlMessage ?? e.message ?? String(error);
  if (context.cancelled) {
    return { code: 'run.cancelled', message: 'The query was cancelled', kind: 'user', transient: false };
  }
  if (error instanceof ResultLimitError)
    return toPostgresError(error, { timeoutMs: context.timeoutMs, cancelled: false });
  if (context.timedOut || errno === ER.MARIADB_STATEMENT_TIMEOUT || errno === ER.MYSQL_QUERY_TIMEOUT) {
    return {
      code: 'sql.timeout',
      message: `The query ran longer than ${seconds(context.timeoutMs)} and the database stopped it`,
      hint: 'Narrow the query with a filter or a limit',
      kind: 'user',
      transient: false,
    };
  }
  if (errno === ER.QUERY_INTERRUPTED || errno === ER.CONNECTION_KILLED) {
    return {
      code: 'run.cancelled',
      message: 'The query was cancelled on the database server (by an administrator or by the server)',
      hint: 'Run it again; if it keeps happening, ask whoever administers the database',
      details: { by: 'server' },
      kind: 'user',
      transient: false,
      internal: message,
    };
  }
  if (errno === ER.ACCESS_DENIED) {
    return {
      code: 'connector.auth_failed',
      message: 'The database refused the user name or password',
      hint: 'Check the connection credentials in Settings → Data sources',
      kind: 'system',
      transient: false,
      internal: message,
    };
  }
  if (errno === ER.BAD_DB || errno === ER.DBACCESS_DENIED) {
    // MySQL answers 1044 for a database the user may not use, whether it exists or not.
    return {
      code: 'connector.database_not_found',
      message: 'The database does not exist, or the user may not use it',
      hint: 'Check the database name in the connection settings, and that the user has been granted access to it',
      kind: 'system',
      transient: false,
      internal: message,
    };
  }
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return {
      code: 'connector.tls_unavailable',
      message: 'The database server does not accept encrypted connections',
      hint: 'Enable TLS on the server, or set the connection to not require it',
      kind: 'system',
      transient: false,
      internal: message,
    };
  }
  if (code === 'TLS_NAME_REQUIRED') {
    return {
      code: 'connections.invalid_settings',
      message: 'Verifying the host name needs the host as a name, not an IP address',
      hint: "Enter the host name the server's certificate was issued for, or choose Verify the certificate authority",
      details: { field: 'host' },
      kind: 'user',
      transient: false,
    };
  }
  if (SHARED_CODES.has(code))
    return toPostgresError(error, { timeoutMs: context.timeoutMs, cancelled: false });
  // mysql2 replaces the TLS error's own code with HANDSHAKE_SSL_ERROR; its message says which check failed.
  if (code === 'HANDSHAKE_SSL_ERROR' || /CERT|SELF_SIGNED|ERR_TLS|UNABLE_TO_(GET|VERIFY)/.test(code)) {
    const nameMismatch = /altnames|does not match|ALTNAME/i.test(`${code} ${message}`);
    const untrusted = /certificate|CERT|SELF_SIGNED|UNABLE_TO/i.test(`${code} ${message}`);
    return {
      // The same codes as PostgreSQL's TLS refusals: the form puts them beside the same fields, and
      // a non-Admin's run hears only that it could not connect (CONN-3).
      code: nameMismatch
        ? 'connector.tls_host_mismatch'
        : untrusted
          ? 'connector.tls_untrusted'
          : 'connector.failed',
      message: nameMismatch
        ? "The database server's certificate was not issued for this host name"
        : untrusted
          ? "The database server's certificate could not be verified"
          : 'The encrypted connection to the database server could not be set up',
      hint: nameMismatch
        ? 'Enter the host name the certificate names, or choose Verify the certificate authority'
        : "Paste the certificate authority that signed the server's certificate",
      details: { tls: nameMismatch ? 'name_mismatch' : untrusted ? 'untrusted' : 'handshake' },
      kind: 'system',
      transient: false,
      internal: message.slice(0, 300),
    };
  }
  if (code === 'PROTOCOL_CONNECTION_LOST' || code === 'ECONNRESET' || code === 'EPIPE') {
    return {
      code: 'connector.failed',
      message: 'The database server closed the connection',
      hint: 'Check the host and port (is a MySQL server listening there?), then try again',
      kind: 'system',
      transient: true,
      internal: message.slice(0, 300),
    };
  }
  // A server's error about the statement: its SQLSTATE and number, and its message, which is about
  // the user's SQL (MySQL names no address in it).
  if (errno > 0 && e.sqlState && /^[0-9A-Z]{5}$/.test(e.sqlState)) {
    const sqlstate = e.sqlState;
    const syntax = errno === ER.PARSE;
    const near = syntax ? nearOf(message, context.sql) : null;
    return {
      code: syntax ? 'sql.syntax_error' : sqlstate.startsWith('42') ? 'sql.invalid_query' : 'sql.error',
      message,
      hint:
        sqlstate === '42S02'
          ? 'Check the table name and its database'
          : sqlstate === '25006'
            ? 'Quarry runs queries read-only: this statement would change data'
            : 'Fix the SQL and run it again',
      details: { sqlstate, errno, position: near?.position ?? null, line: near?.line ?? null },
      kind: 'user',
      transient: errno === 1213 || errno === 1205,
    };
  }
  return {
    code: 'connector.failed',
    message: 'The connection to the database failed',
    hint: 'Try again; if it keeps failing, check the connection settings',
    kind: 'system',
    transient: true,
    internal: message.slice(0, 300),
  };
}

/**
 * Where a syntax error is: MySQL says `near '<the rest of the statement from there>' at line N`
 * (the rest cut at 80 characters). The 1-based character position, found by looking for that rest
 * on line N of the user's SQL; an empty rest means the statement ended too soon.
 */
export function nearOf(message: string, sql?: string): { position: number | null; line: number } | null {
  // What `/near '([\s\S]*)' at line (\d+)$/` captures, found by index: that expression rescans the
  // rest of the message from every `near '`, quadratic on a message a server of one's own makes long.
  const tail = /' at line (\d+)$/.exec(message);
  const near = message.indexOf("near '");
  if (!tail || near === -1 || near + 6 > tail.index) return null;
  const rest = message.slice(near + 6, tail.index);
  const lineText = tail[1] ?? '1';
  const line = Number(lineText);
  if (!sql) return { position: null, line };
  if (rest === '') return { position: sql.trimEnd().length + 1, line };
  let lineStart = 0;
  for (let n = 1; n < line; n += 1) {
    const next = sql.indexOf('\n', lineStart);
    if (next < 0) break;
    lineStart = next + 1;
  }
  const found = sql.indexOf(rest, lineStart);
  return { position: found >= 0 ? found + 1 : null, line };
}
