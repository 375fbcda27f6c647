import type { ConnectorError } from '../types';
import { ResultLimitError } from './result-guard';

type PgLikeError = { code?: string; message?: string; position?: string; detail?: string; hint?: string };

/** A limit as people read it: MB to one decimal, or kB below 0.1 MB (an operator's small limit). */
const megabytes = (bytes: number) =>
  bytes < 0.1 * 1024 * 1024
    ? `${Math.max(1, Math.round(bytes / 1024))} kB`
    : `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;

/**
 * Turns what the driver threw into a typed error that says what to do. Never includes credentials,
 * and nothing of the driver's own text (it names addresses and ports) except in `internal`, which
 * callers log and never show.
 */
export function toConnectorError(
  error: unknown,
  context: { timeoutMs: number; cancelled: boolean; elapsedMs?: number },
): ConnectorError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as PgLikeError;
  const code = e.code ?? '';
  const message = e.message ?? String(error);
  if (context.cancelled) {
    return { code: 'run.cancelled', message: 'The query was cancelled', kind: 'user', transient: false };
  }
  if (error instanceof ResultLimitError) {
    return error.limit === 'value'
      ? {
          code: 'run.value_too_large',
          message: `A value in the result is larger than ${megabytes(error.limitBytes)}, the limit for one value`,
          hint: 'Select less of it (for example left(column, 1000)), or ask an operator to raise the limit',
          details: { limit: 'value', limitBytes: error.limitBytes },
          kind: 'user',
          transient: false,
        }
      : {
          code: 'run.result_too_large',
          message: `The result is larger than ${megabytes(error.limitBytes)}, the limit for one run`,
          hint: 'Select fewer rows or columns, or ask an operator to raise the limit',
          details: { limit: 'result', limitBytes: error.limitBytes },
          kind: 'user',
          transient: false,
        };
  }
  // 57014 is both our statement timeout and a cancel sent by someone else (an Admin's
  // pg_cancel_backend, the server). Only the time tells them apart reliably: ours fires when the
  // timeout has passed; anything earlier was not ours.
  const slackMs = Math.min(1000, context.timeoutMs * 0.1);
  if (
    code === '57014' &&
    context.elapsedMs !== undefined &&
    context.elapsedMs < context.timeoutMs - slackMs
  ) {
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
  if (code === '57P01' || code === '57P02' || code === '57P03') {
    return {
      code: 'run.cancelled',
      message: "The database server ended the query's connection (an administrator or a restart)",
      hint: 'Run it again; if it keeps happening, ask whoever administers the database',
      details: { by: 'server' },
      kind: 'user',
      transient: false,
      internal: message,
    };
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
  // `cert` authentication refused (no certificate, or one whose name is not the role's): 28000 too.
  if (code === '28000' && /certificate/i.test(message)) {
    return {
      code: 'connector.tls_client_certificate_refused',
      message:
        'The database server requires a client certificate for this user and did not accept this connection’s',
      hint: "Paste the client certificate and key issued for this user name (its common name must be the user name), in the connection's TLS settings",
      kind: 'system',
      transient: false,
      internal: message,
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
  if (code === 'net.address_refused') {
    return {
      code: 'net.address_refused',
      message: 'Quarry does not connect to internal, loopback, link-local or metadata addresses',
      hint: "Use the database server's public or private network name; an administrator can allow a private host in QUARRY_ALLOWED_PRIVATE_HOSTS",
      kind: 'user',
      transient: false,
      internal: message,
    };
  }
  if (code === 'HANDSHAKE_FAILED') {
    return {
      code: 'connector.failed',
      message: 'The server at that host and port closed the connection before a PostgreSQL sign-in',
      hint: 'Check the host and port (is a PostgreSQL server listening there?), then try again',
      kind: 'system',
      transient: false,
      internal: message,
    };
  }
  if (code === 'net.own_database') {
    return {
      code: 'net.address_refused',
      message: 'Quarry does not connect to its own database',
      hint: 'Point the connection at your warehouse, not at the database Quarry keeps its own data in',
      kind: 'user',
      transient: false,
      internal: message,
    };
  }
  if (code === 'net.unresolvable') {
    return {
      code: 'net.unresolvable',
      message: 'The database host name does not resolve to an address',
      hint: 'Check the host name in the connection settings',
      kind: 'user',
      transient: false,
      internal: message,
    };
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'CONNECT_TIMEOUT') {
    return {
      code: 'connector.unreachable',
      message: 'Quarry could not reach the database server',
      hint: 'Check the host and port, and that the server accepts connections from Quarry',
      kind: 'system',
      transient: true,
      internal: message,
    };
  }
  const tls = tlsError(code, message);
  if (tls) return tls;
  // A SQLSTATE; no class starts with E, which keeps Node's EPIPE out.
  if (/^[0-9A-DF-Z][0-9A-Z]{4}$/.test(code)) {
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
  // Driver and socket errors (`write CONNECTION_CLOSED 127.0.0.1:5432`, TLS failures) name
  // addresses and internals: the user gets a generic message, the log gets the text.
  return {
    code: 'connector.failed',
    message: 'The connection to the database failed',
    hint: 'Try again; if it keeps failing, check the connection settings',
    kind: 'system',
    transient: true,
    internal: message.slice(0, 300),
  };
}

/** Node's (OpenSSL's) codes for a server certificate that does not chain to a trusted authority. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'CERT_CHAIN_TOO_LONG',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
]);

/** TLS alerts the server sends when it refuses the client certificate (or its absence). */
const CLIENT_REFUSED = new Set([
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
  'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
]);

/** A typed error for what went wrong in TLS, or null when the failure was not TLS's. */
function tlsError(code: string, message: string): ConnectorError | null {
  const base = { kind: 'system' as const, transient: false, internal: message.slice(0, 300) };
  if (code === 'TLS_REFUSED') {
    return {
      ...base,
      code: 'connector.tls_unavailable',
      message:
        'The database server does not offer TLS, and PostgreSQL connections in Quarry are always encrypted',
      hint: 'Turn TLS on at the server (ssl = on, with a certificate and key), then test again',
    };
  }
  if (code === 'TLS_NO_CA') {
    return {
      ...base,
      code: 'connector.tls_untrusted',
      message: "Verify CA needs the CA certificate that signed the server's certificate",
      hint: "Paste the CA certificate in the connection's TLS settings, or choose Verify certificate and host name",
    };
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return {
      ...base,
      code: 'connector.tls_untrusted',
      message:
        code === 'CERT_HAS_EXPIRED'
          ? "The database server's certificate has expired"
          : "The database server's certificate is not valid yet (check the server's and Quarry's clocks)",
      hint: 'Ask whoever runs the server to renew its certificate',
    };
  }
  if (UNTRUSTED.has(code)) {
    return {
      ...base,
      code: 'connector.tls_untrusted',
      message: "The database server's certificate is not signed by the CA certificate this connection trusts",
      hint: "Paste the CA certificate that signed the server's certificate (your provider publishes it), or check that you reach the right server",
    };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      ...base,
      code: 'connector.tls_host_mismatch',
      message: "The database server's certificate does not name the host this connection reaches",
      hint: 'Enter the host exactly as the certificate names it, or choose Verify CA to check the certificate without the name',
    };
  }
  if (CLIENT_REFUSED.has(code) || code === 'TLS_CLIENT_CERTIFICATE_CLOSED') {
    return {
      ...base,
      code: 'connector.tls_client_certificate_refused',
      message: 'The database server refused the client certificate (or expected one and got none)',
      hint: "Paste a client certificate signed by the authority the server trusts, with its key, in the connection's TLS settings",
    };
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return {
      ...base,
      code: 'connector.failed',
      message: 'The TLS handshake with the database server failed',
      hint: 'Check that the server accepts TLS 1.2 or later, and the TLS settings of the connection',
    };
  }
  return null;
}
