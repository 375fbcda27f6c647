import type { BoundConnector, TunneledTestOutcome } from '@quarry/connectors';
import { type ConnectionTestJob, type ConnectionTestOutput, err, ok, type Result } from '@quarry/contracts';
import { writeAuditEvent } from '@quarry/db/audit';
import { connectionProbeContext, connectionProbes, connections } from '@quarry/db/schema';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { type ConfigError, connectionConfig, driverConfig } from './connection-config';
import type { RunnerDeps } from './execute-run';

/**
 * Long enough for a slow handshake, short enough that the person waiting gets an answer; the
 * connector bounds the whole test just past it, and the API's CONN-3 floor is above that.
 */
const TEST_TIMEOUT_MS = 10_000;

type TestDeps = Pick<RunnerDeps, 'db' | 'vault' | 'log' | 'now' | 'allowPrivateHosts' | 'ownDatabase'>;

/**
 * A `connection.test` job: connect as the connection's role, time a round trip, read the server's
 * version and audit the role (what a reader shared by several people should not be able to do).
 * The secret is opened here, never in the API. A saved connection or a probe (unsaved settings,
 * deleted once read) is loaded scoped by the job's workspace (JOB-6). The host is resolved and
 * checked before any socket opens (CONN-2). The API decides how much of a failure its caller sees.
 */
export async function testConnection(deps: TestDeps, job: ConnectionTestJob): Promise<ConnectionTestOutput> {
  const connector = await loadConnector(deps, job);
  if (!connector.ok) {
    const { kind: _kind, vaultCode, ...shown } = connector.error;
    if (vaultCode)
      deps.log.error({ target: job.target, code: vaultCode }, 'test credentials could not be unwrapped');
    return { ok: false, error: shown };
  }
  const outcome = await connector.value.connector.test({
    workspaceId: job.workspaceId,
    timeoutMs: TEST_TIMEOUT_MS,
    allow: deps.allowPrivateHosts,
    ...(deps.ownDatabase ? { ownDatabase: deps.ownDatabase } : {}),
  });
  if (outcome.ok) {
    const { sshHostKey, ...tested } = outcome.value as TunneledTestOutcome;
    if (sshHostKey && job.target.type === 'connection') {
      await pinHostKey(deps, job, connector.value.settings, sshHostKey);
    }
    return { ok: true, ...tested, ...(sshHostKey ? { sshHostKey } : {}) };
  }
  // The log keeps the driver's words; the answer carries the typed error without internals.
  const { kind: _kind, transient: _transient, details: _details, internal, ...shown } = outcome.error;
  deps.log.warn({ target: job.target, code: shown.code, internal }, 'connection test failed');
  return { ok: false, error: shown };
}

async function loadConnector(
  deps: TestDeps,
  job: ConnectionTestJob,
): Promise<Result<{ connector: BoundConnector; settings: Record<string, unknown> }, ConfigError>> {
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
    const config = await connectionConfig(
      deps,
      { ...connection, status: 'ready' },
      { userId: job.requestedBy, test: true },
    );
    return config.ok ? ok({ connector: config.value, settings: connection.settings }) : config;
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
    // Unsaved settings pin nothing: the test shows the key it saw, saving and testing pins it.
    purpose: 'test',
  });
  return config.ok ? ok({ connector: config.value, settings: probe.settings }) : config;
}

/**
 * Pins the SSH server's host key after the first successful test of a saved connection (trust on
 * first use): only while none is pinned, and only if the connection's settings are still those
 * tested, so a test that raced an edit (a new SSH host) cannot pin the old server's key.
 */
async function pinHostKey(
  deps: TestDeps,
  job: ConnectionTestJob,
  tested: Record<string, unknown>,
  fingerprint: string,
): Promise<void> {
  if (job.target.type !== 'connection') return;
  const connectionId = job.target.connectionId;
  await deps.db.transaction(async (tx) => {
    const pinned = await tx
      .update(connections)
      .set({ sshHostKey: fingerprint })
      .where(
        and(
          eq(connections.id, connectionId),
          eq(connections.workspaceId, job.workspaceId),
          isNull(connections.sshHostKey),
          sql`${connections.settings} = ${JSON.stringify(tested)}::jsonb`,
        ),
      )
      .returning({ id: connections.id });
    if (pinned.length === 0) return;
    await writeAuditEvent(
      tx,
      {
        workspaceId: job.workspaceId,
        actorId: job.requestedBy,
        action: 'connection.ssh_host_key_pin',
        target: { type: 'connection', id: connectionId },
        outcome: 'success',
        details: { fingerprint },
      },
      deps.now(),
    );
  });
}
