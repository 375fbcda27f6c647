import { err, ok, type Result } from '@quarry/contracts';
import type { ConnectContext, Connector, StreamRequest, TestOutcome } from '../registry/connector';
import type { ConnectorKind } from '../registry/connector-kind';
import type { ConnectorError, PostgresConfig, StreamEvent } from '../types';
import { type PassthroughEvent, streamPostgresCopy } from './copy-stream';
import { toConnectorError } from './errors';
import { identityPrepare } from './identity/prepare';
import { identitySelfCheck } from './identity/self-check';
import { type IdentityConfig, identityConfigFrom } from './identity/settings';
import { introspectPostgres } from './introspect';
import { postgresConfigFrom } from './kind';
import { auditReaderRole } from './role-audit';
import { cancelPostgresSession, connectPostgres, parsePostgresSessionKey, streamPostgres } from './stream';

/**
 * A PostgreSQL connection's driver settings and whether its runs pass the reader's identity (a
 * misconfigured identity is kept as its error: every run and test refuses with it).
 */
export type PostgresConnection = PostgresConfig & { identity?: Result<IdentityConfig, ConnectorError> };

/** How long signed claims verify past the run's own statement timeout. */
const IDENTITY_MARGIN_MS = 60_000;

/** The whole test, handshake and role audit included, just past the 10 s connect timeout. */
const TEST_DEADLINE_MS = 11_000;

const connectOptions = (context: ConnectContext) => ({
  timeoutMs: context.timeoutMs,
  allow: context.allow,
  ...(context.ownDatabase ? { ownDatabase: context.ownDatabase } : {}),
  ...(context.limits ? { limits: context.limits } : {}),
  ...(context.dial ? { dial: context.dial } : {}),
});

/**
 * Connects as the connection's role, times a round trip, reads the server's version and audits the
 * role (what a reader shared by several people should not be able to do).
 */
async function testPostgres(config: PostgresConnection, context: ConnectContext) {
  if (config.identity && !config.identity.ok) return err(config.identity.error);
  const identity = config.identity?.value;
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
      const warnings: TestOutcome['warnings'] = await auditReaderRole(sql);
      if (identity) {
        // A wrong key, a missing install or a role that may bypass the policies shows here, with
        // its own message, rather than as runs that quietly show no rows.
        const checked = await sql.begin('read only', (tx) =>
          identitySelfCheck(
            (text, params) =>
              tx.unsafe(text, params as (string | number | boolean | null)[]) as unknown as Promise<
                Record<string, unknown>[]
              >,
            { key: identity.key, schema: identity.schema, workspaceId: context.workspaceId ?? '' },
          ),
        );
        if (!checked.ok) throw new IdentityFailure(checked.error);
        warnings.push(...checked.value);
      }
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
    if (error instanceof IdentityFailure) return err(error.error);
    return err(toConnectorError(error, { timeoutMs: context.timeoutMs, cancelled: false }));
  } finally {
    clearTimeout(timer);
    await sql.end({ timeout: 0 }).catch(() => {});
  }
}

class IdentityFailure extends Error {
  constructor(readonly error: ConnectorError) {
    super(error.message);
  }
}

/**
 * The run's prepare step with the reader's identity added in front of any other: refused when the
 * connection passes identity and the run names no reader.
 */
function withIdentity(
  config: PostgresConnection,
  request: StreamRequest,
  context: ConnectContext,
): Result<StreamRequest, ConnectorError> {
  if (config.identity && !config.identity.ok) return err(config.identity.error);
  const identity = config.identity?.value;
  if (!identity) return ok(request);
  const { reader } = request;
  if (!reader) {
    return err({
      code: 'connector.identity_denied',
      message: "This connection passes the reader's identity, and this query names no reader",
      hint: 'Run it as a signed-in member',
      kind: 'system',
      transient: false,
    });
  }
  const signIn = identityPrepare({
    key: identity.key,
    schema: identity.schema,
    reader: {
      userId: reader.userId,
      email: reader.email,
      workspaceId: reader.workspaceId,
      groups: reader.groups,
    },
    runId: reader.runId,
    ttlMs: context.timeoutMs + IDENTITY_MARGIN_MS,
  });
  const then = request.prepare;
  return ok({
    ...request,
    prepare: async (query) => {
      await signIn(query);
      await then?.(query);
    },
  });
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

/** Cancels the statement of the session a run's `session` event named (its pid and secret). */
async function cancelSession(config: PostgresConfig, key: string, context: ConnectContext) {
  const parsed = parsePostgresSessionKey(key);
  if (!parsed) {
    return err<ConnectorError>({
      code: 'connector.failed',
      message: 'The stored session key is not a PostgreSQL cancel key',
      kind: 'system',
      transient: false,
    });
  }
  try {
    await cancelPostgresSession(config, parsed, {
      allow: context.allow,
      ...(context.ownDatabase ? { ownDatabase: context.ownDatabase } : {}),
      ...(context.dial ? { dial: context.dial } : {}),
    });
    return ok(true);
  } catch (error) {
    return err(toConnectorError(error, { timeoutMs: context.timeoutMs, cancelled: false }));
  }
}

/** A run through `streamer` (the cursor, or COPY text) with the reader's identity in its prepare step. */
async function* streamWith<Event extends PassthroughEvent>(
  streamer: (
    config: PostgresConfig,
    text: string,
    params: StreamRequest['params'],
    options: Parameters<typeof streamPostgresCopy>[3],
  ) => AsyncGenerator<Event>,
  config: PostgresConnection,
  original: StreamRequest,
  context: ConnectContext,
): AsyncGenerator<Event | StreamEvent> {
  const request = withIdentity(config, original, context);
  if (!request.ok) {
    yield { type: 'error', error: request.error };
    return;
  }
  const { value } = request;
  yield* streamer(config, value.sql, value.params, {
    ...connectOptions(context),
    rowLimit: value.rowLimit,
    ...(context.signal ? { signal: context.signal } : {}),
    ...(value.batchSize ? { batchSize: value.batchSize } : {}),
    ...(value.tag ? { tag: value.tag } : {}),
    ...(value.prepare ? { prepare: value.prepare } : {}),
    ...(value.onSession ? { onSession: value.onSession } : {}),
    ...(context.sessions ? { sessions: context.sessions } : {}),
    ...(context.keepSessionAfter ? { keepSessionAfter: context.keepSessionAfter } : {}),
  });
}

/** A PostgreSQL connector under a kind's declaration (PostgreSQL itself, or a preset of its protocol). */
export function postgresConnector(declaration: ConnectorKind): Connector<PostgresConnection> {
  return {
    declaration,
    configFrom: (settings, secrets) => ({
      ...postgresConfigFrom(settings, secrets),
      identity: identityConfigFrom(settings, secrets),
    }),
    test: testPostgres,
    introspect: introspectPostgres,
    stream: (config, request, context) => streamWith(streamPostgres, config, request, context),
    // The server's COPY text, passed through, for PostgreSQL itself and its managed services (tier
    // 1); servers that only speak the protocol (Redshift, poolers, CockroachDB) take the cursor.
    ...(declaration.tier === 1
      ? { streamText: (config, request, context) => streamWith(streamPostgresCopy, config, request, context) }
      : {}),
    cancel: cancelPostgres,
    cancelSession,
  };
}
