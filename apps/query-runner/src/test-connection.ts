import { auditReaderRole, connectPostgres, type PostgresConfig, toConnectorError } from '@quarry/connectors';
import { type ConnectionTestJob, type ConnectionTestOutput, err, ok, type Result } from '@quarry/contracts';
import { connectionProbeContext, connectionProbes, connections } from '@quarry/db/schema';
import { and, eq } from 'drizzle-orm';
import { type ConfigError, connectionConfig, driverConfig } from './connection-config';
import type { RunnerDeps } from './execute-run';

/** Long enough for a slow handshake, short enough that the person waiting gets an answer. */
const TEST_TIMEOUT_MS = 10_000;
/** The whole test, handshake and role audit included; the API's CONN-3 floor is above it. */
const TEST_DEADLINE_MS = 11_000;

type TestDeps = Pick<RunnerDeps, 'db' | 'vault' | 'log' | 'now' | 'allowPrivateHosts' | 'ownDatabase'>;

/**
 * A `connection.test` job: connect as the connection's role, time a round trip, read the server's
 * version and audit the role (what a reader shared by several people should not be able to do).
 * The secret is opened here, never in the API. A saved connection or a probe (unsaved settings,
 * deleted once read) is loaded scoped by the job's workspace (JOB-6). The host is resolved and
 * checked before any socket opens (CONN-2). The API decides how much of a failure its caller sees.
 */
export async function testConnection(deps: TestDeps, job: ConnectionTestJob): Promise<ConnectionTestOutput> {
  const config = await loadConfig(deps, job);
  if (!config.ok) {
    const { kind: _kind, vaultCode, ...shown } = config.error;
    if (vaultCode)
      deps.log.error({ target: job.target, code: vaultCode }, 'test credentials could not be unwrapped');
    return { ok: false, error: shown };
  }
  const sql = connectPostgres(config.value, {
    timeoutMs: TEST_TIMEOUT_MS,
    allow: deps.allowPrivateHosts,
    ...(deps.ownDatabase ? { ownDatabase: deps.ownDatabase } : {}),
  });
  // connectPostgres caps the sockets a client opens; a server that answers slowly at every step
  // could still stretch the test, so the whole test has a deadline just past the connect timeout.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TestDeadline()), TEST_DEADLINE_MS);
  });
  try {
    const started = performance.now();
    const work = async () => {
      const [row] = await sql<{ version: string }[]>`select current_setting('server_version') as version`;
      const latencyMs = Math.round(performance.now() - started);
      const warnings = await auditReaderRole(sql);
      return { ok: true as const, latencyMs, serverVersion: row?.version ?? 'unknown', warnings };
    };
    return await Promise.race([work(), deadline]);
  } catch (error) {
    if (error instanceof TestDeadline) {
      deps.log.warn({ target: job.target }, 'connection test passed its deadline');
      return {
        ok: false,
        error: {
          code: 'connector.failed',
          message: `The server did not complete a PostgreSQL sign-in within ${TEST_DEADLINE_MS / 1000} s`,
          hint: 'Check the host and port (is a PostgreSQL server listening there?), then test again',
        },
      };
    }
    const typed = toConnectorError(error, { timeoutMs: TEST_TIMEOUT_MS, cancelled: false });
    deps.log.warn({ target: job.target, code: typed.code, err: error }, 'connection test failed');
    // The log keeps the driver's words; the answer carries the typed error without internals.
    const { kind: _kind, transient: _transient, details: _details, internal: _internal, ...shown } = typed;
    return { ok: false, error: shown };
  } finally {
    clearTimeout(timer);
    await sql.end({ timeout: 0 }).catch(() => {});
  }
}

class TestDeadline extends Error {}

async function loadConfig(
  deps: TestDeps,
  job: ConnectionTestJob,
): Promise<Result<PostgresConfig, ConfigError>> {
  const notFound = (what: string): ConfigError => ({
    code: `not_found.${what}`,
    message: what === 'connection' ? 'No such connection in this workspace' : 'The test expired; test again',
    kind: 'user',
  });
  if (job.target.type === 'connection') {
    const [connection] = await deps.db
      .select()
      .from(connections)
      .where(and(eq(connections.id, job.target.connectionId), eq(connections.workspaceId, job.workspaceId)));
    if (!connection) return err(notFound('connection'));
    return connectionConfig(
      deps,
      { ...connection, status: 'ready' },
      { userId: job.requestedBy, test: true },
    );
  }
  // A probe is read once: deleted as it is read, whatever the test's outcome.
  const [probe] = await deps.db
    .delete(connectionProbes)
    .where(
      and(eq(connectionProbes.id, job.target.probeId), eq(connectionProbes.workspaceId, job.workspaceId)),
    )
    .returning();
  if (!probe || probe.expiresAt.getTime() < deps.now().getTime()) return err(notFound('probe'));
  const config = driverConfig(deps.vault, {
    kind: probe.kind,
    settings: probe.settings,
    credentials: probe.credentials,
    context: connectionProbeContext(probe.workspaceId, probe.id),
  });
  return config.ok ? ok(config.value) : config;
}
