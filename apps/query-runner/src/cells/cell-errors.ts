import type { QuarryError } from '@quarry/contracts';

/** How a step of a JS run failed: a user outcome (their SQL, their code, a limit) or a system one. */
export type CellRunError = QuarryError & { kind: 'user' | 'system' };

export const cancelled = (): CellRunError => ({
  code: 'run.cancelled',
  message: 'The run was cancelled',
  kind: 'user',
});

/**
 * Failures of connecting and signing in, as the SQL path names them (execute-run.ts): shown as they
 * are to Admins; anyone else gets one answer for all of them, no sooner than the connect floor, so a
 * run on a connection they typed cannot tell an open port from a closed one (CONN-3).
 */
export const CONNECT_PHASE_CODES: ReadonlySet<string> = new Set([
  'connector.unreachable',
  'connector.auth_failed',
  'connector.database_not_found',
  'connector.tls_unavailable',
  'connector.tls_untrusted',
  'connector.tls_host_mismatch',
  'connector.tls_client_certificate_refused',
  'connector.failed',
  'ssh.unreachable',
  'ssh.timeout',
  'ssh.handshake_failed',
  'ssh.auth_failed',
  'ssh.target_unreachable',
]);

export const CONNECT_FAILED: CellRunError = {
  code: 'connector.connect_failed',
  message: 'Quarry could not connect to the database and sign in',
  hint: 'Ask whoever set up the connection to test it in Settings → Data sources, or from the project',
  kind: 'system',
};

/** The rows a JS cell's SQL inputs collected passed the runner's cap. */
export function inputTooLarge(input: { cell: string; limit: 'rows' | 'bytes'; cap: number }): CellRunError {
  const what = input.limit === 'rows' ? `${input.cap} rows` : `${input.cap} bytes`;
  return {
    code: 'run.result_too_large',
    message: `The SQL cell '${input.cell}' returned more than ${what} for the JS cells that read it`,
    hint: 'Filter or aggregate in SQL first (a WHERE, GROUP BY or LIMIT), so the JS cell gets only the rows it needs',
    details: {
      cell: input.cell,
      limit: input.limit,
      cap: input.cap,
      setting: input.limit === 'rows' ? 'QUARRY_JS_INPUT_MAX_ROWS' : 'QUARRY_JS_INPUT_MAX_BYTES',
    },
    kind: 'user',
  };
}
