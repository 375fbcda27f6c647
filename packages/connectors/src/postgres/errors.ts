import type { ConnectorError } from '../types';

type PgLikeError = { code?: string; message?: string; position?: string; detail?: string; hint?: string };

/** Turns what the driver threw into a typed error that says what to do. Never includes credentials. */
export function toConnectorError(
  error: unknown,
  context: { timeoutMs: number; cancelled: boolean },
): ConnectorError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as PgLikeError;
  const code = e.code ?? '';
  const message = e.message ?? String(error);
  if (context.cancelled) {
    return { code: 'run.cancelled', message: 'The query was cancelled', kind: 'user', transient: false };
  }
  if (code === '57014') {
    return {
      code: 'sql.timeout',
      message: `The query ran longer than ${context.timeoutMs >= 1000 ? `${Math.round(context.timeoutMs / 1000)} s` : `${context.timeoutMs} ms`} and the database stopped it`,
      hint: 'Narrow the query with a filter or a limit',
      kind: 'user',
      transient: false,
    };
  }
  if (code === '28P01' || code === '28000') {
    return {
      code: 'connector.auth_failed',
      message: 'The database refused the user name or password',
      hint: 'Check the connection credentials in Settings → Data sources',
      kind: 'system',
      transient: false,
    };
  }
  if (code === '3D000') {
    return {
      code: 'connector.database_not_found',
      message,
      hint: 'Check the database name in the connection settings',
      kind: 'system',
      transient: false,
    };
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'CONNECT_TIMEOUT') {
    return {
      code: 'connector.unreachable',
      message: 'Quarry could not reach the database server',
      hint: 'Check the host and port, and that the server accepts connections from Quarry',
      kind: 'system',
      transient: true,
    };
  }
  if (/^[0-9A-Z]{5}$/.test(code)) {
    const position = e.position ? Number(e.position) : null;
    return {
      code: code === '42601' ? 'sql.syntax_error' : code.startsWith('42') ? 'sql.invalid_query' : 'sql.error',
      message,
      hint:
        e.hint ?? (code === '42P01' ? 'Check the table name and its schema' : 'Fix the SQL and run it again'),
      details: { sqlstate: code, position, detail: e.detail ?? null },
      // Serialization failures and deadlocks are the database's doing and worth one more try.
      kind: code === '40001' || code === '40P01' ? 'system' : 'user',
      transient: code === '40001' || code === '40P01',
    };
  }
  return {
    code: 'connector.failed',
    message: 'The connection to the database failed',
    hint: 'Try again; if it keeps failing, check the connection settings',
    details: { cause: message.slice(0, 300) },
    kind: 'system',
    transient: true,
  };
}
