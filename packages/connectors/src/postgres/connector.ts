import { err, ok } from '@quarry/contracts';
import type { ConnectContext, Connector, TestOutcome } from '../registry/connector';
import type { ConnectorKind } from '../registry/connector-kind';
import type { ConnectorError, PostgresConfig } from '../types';
import { toConnectorError } from './errors';
import { introspectPostgres } from './introspect';
import { postgresConfigFrom } from './kind';
import { auditReaderRole } from './role-audit';
import { connectPostgres, streamPostgres } from './stream';

/** The whole test, handshake and role audit included, just past the 10 s connect timeout. */
const TEST_DEADLINE_MS = 11_000;

const connectOptions = (context: ConnectContext) => ({
  timeoutMs: context.timeoutMs,
  allow: context.allow,
  ...(context.ownDatabase ? { ownDatabase: context.ownDatabase } : {}),
  ...(context.limits ? { limits: context.limits } : {}),
});

/**
 * Connects as the connection's role, times a round trip, reads the server's version and audits the
 * role (what a reader shared by several people should not be able to do).
 */
async function testPostgres(config: PostgresConfig, context: ConnectContext) {
  const sql = connectPostgres(config, connectOptions(context));
  // connectPostgres caps the sockets a client opens; a server that answers slowly at every step
  // could still stretch the test, so the whole test has a deadline.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), TEST_DEADLINE_MS);
  });
  try {
    const started = performance.now();
    const work = async (): Promise<TestOutcome> => {
      const [row] = await sql<{ version: string }[]>`select current_setting('server_version') as version`;
      const latencyMs = Math.round(performance.now() - started);
      const warnings = await auditReaderRole(sql);
      return { latencyMs, serverVersion: row?.version ?? 'unknown', warnings };
    };
    const outcome = await Promise.race([work(), deadline]);
    if (outcome === 'deadline') {
      return err<ConnectorError>({
        code: 'connector.failed',
        message: `The server did not complete a PostgreSQL sign-in within ${TEST_DEADLINE_MS / 1000} s`,
        hint: 'Check the host and port (is a PostgreSQL server listening there?), then test again',
        kind: 'system',
        transient: true,
      });
    }
    return ok(outcome);
  } catch (error) {
    return err(toConnectorError(error, { timeoutMs: context.timeoutMs, cancelled: false }));
  } finally {
    clearTimeout(timer);
    await sql.end({ timeout: 0 }).catch(() => {});
  }
}

/**
 * Cancels the queries of this role's sessions named `tag`. It needs the role to see its own
 * sessions in pg_stat_activity; a role that cannot gets a typed error saying so.
 */
async function cancelPostgres(config: PostgresConfig, tag: string, context: ConnectContext) {
  const sql = connectPostgres(config, connectOptions(context));
  try {
    const rows = await sql<{ cancelled: boolean }[]>`
      select pg_cancel_backend(pid) as cancelled from pg_stat_activity
      where application_name = ${tag} and usename = current_user and pid <> pg_backend_pid()`;
    return ok(rows.filter((row) => row.cancelled).length);
  } catch (error) {
    return err(toConnectorError(error, { timeoutMs: context.timeoutMs, cancelled: false }));
  } finally {
    await sql.end({ timeout: 0 }).catch(() => {});
  }
}

/** A PostgreSQL connector under a kind's declaration (PostgreSQL itself, or a preset of its protocol). */
export function postgresConnector(declaration: ConnectorKind): Connector<PostgresConfig> {
  return {
    declaration,
    configFrom: postgresConfigFrom,
    test: testPostgres,
    introspect: introspectPostgres,
    stream: (config, request, context) =>
      streamPostgres(config, request.sql, request.params, {
        ...connectOptions(context),
        rowLimit: request.rowLimit,
        ...(context.signal ? { signal: context.signal } : {}),
        ...(request.batchSize ? { batchSize: request.batchSize } : {}),
        ...(request.tag ? { tag: request.tag } : {}),
        ...(request.prepare ? { prepare: request.prepare } : {}),
      }),
    cancel: cancelPostgres,
  };
}
