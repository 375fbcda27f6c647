import { auditReaderRole, connectPostgres, toConnectorError } from '@quarry/connectors';
import type { ConnectionTestJob, ConnectionTestOutput } from '@quarry/contracts';
import { connections } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { connectionConfig } from './connection-config';
import type { RunnerDeps } from './execute-run';

/** Long enough for a slow handshake, short enough that the person waiting gets an answer. */
const TEST_TIMEOUT_MS = 10_000;

/**
 * A `connection.test` job: connect as the connection's role, time a round trip, read the server's
 * version and audit the role (what a reader shared by several people should not be able to do).
 * The secret is opened here, never in the API. The connection is loaded scoped by the job's
 * workspace (JOB-6), and nothing is written anywhere but the job's output.
 */
export async function testConnection(
  deps: Pick<RunnerDeps, 'db' | 'vault' | 'log'>,
  job: ConnectionTestJob,
): Promise<ConnectionTestOutput> {
  const [connection] = await deps.db
    .select()
    .from(connections)
    .where(and(eq(connections.id, job.connectionId), eq(connections.workspaceId, job.workspaceId)));
  if (!connection) {
    return {
      ok: false,
      error: { code: 'not_found.connection', message: 'No such connection in this workspace' },
    };
  }
  const config = connectionConfig(deps.vault, connection);
  if (!config.ok) {
    deps.log.error(
      { connectionId: connection.id, code: config.error.code },
      'connection credentials could not be unwrapped',
    );
    return {
      ok: false,
      error: {
        code: 'vault.unwrap_failed',
        message: 'The connection credentials could not be decrypted',
        hint: 'Re-enter the connection password',
      },
    };
  }
  const sql = connectPostgres(config.value, { timeoutMs: TEST_TIMEOUT_MS });
  try {
    const started = performance.now();
    const [row] = await sql<{ version: string }[]>`select current_setting('server_version') as version`;
    const latencyMs = Math.round(performance.now() - started);
    const warnings = await auditReaderRole(sql);
    return { ok: true, latencyMs, serverVersion: row?.version ?? 'unknown', warnings };
  } catch (error) {
    const {
      kind: _kind,
      transient: _transient,
      ...typed
    } = toConnectorError(error, {
      timeoutMs: TEST_TIMEOUT_MS,
      cancelled: false,
    });
    deps.log.warn({ connectionId: connection.id, code: typed.code, err: error }, 'connection test failed');
    // The log keeps the driver's words; the Admin gets the typed error without internals.
    const { details: _details, internal: _internal, ...shown } = typed;
    return { ok: false, error: shown };
  } finally {
    await sql.end({ timeout: 2 }).catch(() => {});
  }
}
