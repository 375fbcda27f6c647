import { decideWorkspaceAction } from '@quarry/access';
import { parseConnection, TUNNEL_OPEN_TIMEOUT_MS } from '@quarry/connectors';
import {
  type ConnectionTestJob,
  ConnectionTestOutput,
  err,
  ok,
  type QuarryError,
  type Result,
  type TestConnectionInput,
  type TestConnectionResult,
  type TestNewConnectionInput,
  type TestNewProjectConnectionInput,
} from '@quarry/contracts';
import { newId } from '@quarry/db';
import { writeAuditEvent } from '@quarry/db/audit';
import { connectionProbeContext, connectionProbes } from '@quarry/db/schema';
import { QUEUE_SCHEMA } from '@quarry/queue';
import { and, eq, lt } from 'drizzle-orm';
import { notFound } from '../../errors';
import type { ServiceContext } from '../../service-context';
import type { ProjectScope } from '../../trpc';
import {
  keptSecretsRedirected,
  loadConnection,
  openStoredSecrets,
  projectConnectionsEnabled,
} from './connection-record';

/** The runner's own connect timeout is 10 s; this leaves room for it to pick the job up. */
export const TEST_CONNECTION_WAIT_MS = 20_000;
/**
 * CONN-3: a non-Admin's failed test is answered no sooner than this, the runner's deadline for a
 * test (its 10 s connect timeout, 11 s for the whole test) plus the time to pick the job up, so a
 * closed port (refused at once), a filtered one (silent until the timeout) and something that is
 * not PostgreSQL take the same time.
 */
export const NON_ADMIN_TEST_FLOOR_MS = 13_000;
/**
 * Through an SSH tunnel the runner first opens the tunnel (bounded by TUNNEL_OPEN_TIMEOUT_MS), so
 * the floor and the wait grow by as much: a target the SSH server cannot reach (refused at once)
 * and a filtered one (silent until the timeout) still take the same time.
 */
const tunnelAllowance = (tunneled: boolean) => (tunneled ? TUNNEL_OPEN_TIMEOUT_MS : 0);
/** Unsaved settings under test live this long at most; the runner deletes them as it reads them. */
const PROBE_TTL_MS = 2 * 60_000;
const POLL_MS = 100;

type Options = { waitMs?: number };

/**
 * "Test connection" on a saved connection (drafts too), or on unsaved edits of it when `settings`
 * or `secrets` are sent (every secret sent blank keeps the stored one). The gate let only those who
 * manage the connection through; another workspace's connection is NOT_FOUND before anything is sent.
 */
export async function testConnection(
  ctx: ServiceContext,
  input: TestConnectionInput,
  options: Options = {},
): Promise<Result<TestConnectionResult>> {
  const row = await loadConnection(ctx.deps.db, ctx.actor.workspaceId, input.connectionId);
  if (!row) return err(notFound('connection'));
  if (input.settings === undefined && input.secrets === undefined) {
    return runTest(
      ctx,
      { type: 'connection', connectionId: row.id },
      { connectionId: row.id, kind: row.kind, tunneled: hasTunnel(row.settings) },
      options,
    );
  }
  const stored = await openStoredSecrets(ctx, row, 'test_edit');
  if (!stored.ok) return stored;
  const parsed = parseConnection({
    kind: row.kind,
    settings: input.settings ?? row.settings,
    secrets: input.secrets ?? {},
    stored: stored.value,
  });
  if (!parsed.ok) return parsed;
  const redirected = keptSecretsRedirected({
    before: row.settings,
    after: parsed.value.settings,
    stored: stored.value,
    sent: input.secrets ?? {},
  });
  if (redirected) return err(redirected);
  const sentSecret = Object.values(input.secrets ?? {}).some((value) => value !== '');
  if (!sentSecret && sameSettings(parsed.value.settings, row.settings)) {
    // The form sends its fields every time: unchanged, this is the saved connection's own test,
    // which is what pins an SSH server's host key (a probe of edits pins nothing).
    return runTest(
      ctx,
      { type: 'connection', connectionId: row.id },
      { connectionId: row.id, kind: row.kind, tunneled: hasTunnel(row.settings) },
      options,
    );
  }
  const probeId = await createProbe(ctx, { ...parsed.value, kind: row.kind });
  return runTest(
    ctx,
    { type: 'probe', probeId },
    { connectionId: row.id, kind: row.kind, tunneled: hasTunnel(parsed.value.settings) },
    options,
  );
}

/** "Test connection" on the form of a new workspace connection (Admins). */
export async function testNewConnection(
  ctx: ServiceContext,
  input: TestNewConnectionInput,
  options: Options = {},
): Promise<Result<TestConnectionResult>> {
  const parsed = parseConnection({ kind: input.kind, settings: input.settings, secrets: input.secrets });
  if (!parsed.ok) return parsed;
  const probeId = await createProbe(ctx, { ...parsed.value, kind: parsed.value.kind.kind });
  return runTest(
    ctx,
    { type: 'probe', probeId },
    { kind: parsed.value.kind.kind, tunneled: hasTunnel(parsed.value.settings) },
    options,
  );
}

/** The same from a project (the gate checked Can edit on it), for whoever may create a project connection. */
export async function testNewProjectConnection(
  ctx: ServiceContext,
  _scope: ProjectScope,
  input: TestNewProjectConnectionInput,
  options: Options = {},
): Promise<Result<TestConnectionResult>> {
  const check = decideWorkspaceAction({
    role: ctx.actor.role,
    action: 'connection:create_project',
    projectConnectionsEnabled: await projectConnectionsEnabled(ctx.deps.db, ctx.actor.workspaceId),
  });
  if (!check.allowed) return err({ ...check.reason, hint: 'Ask an Admin to set up a workspace connection' });
  return testNewConnection(ctx, input, options);
}

/** Seals unsaved settings into a short-lived probe the runner reads once (JOB-4: the job holds its id). */
async function createProbe(
  ctx: ServiceContext,
  probe: { kind: string; settings: Record<string, unknown>; secrets: Record<string, string> },
): Promise<string> {
  const { workspaceId, userId } = ctx.actor;
  const id = newId('probe');
  const now = ctx.deps.now();
  await ctx.deps.db
    .delete(connectionProbes)
    .where(and(eq(connectionProbes.workspaceId, workspaceId), lt(connectionProbes.expiresAt, now)));
  await ctx.deps.db.insert(connectionProbes).values({
    id,
    workspaceId,
    kind: probe.kind,
    settings: probe.settings,
    credentials: ctx.deps.vault.seal(JSON.stringify(probe.secrets), connectionProbeContext(workspaceId, id)),
    requestedBy: userId,
    expiresAt: new Date(now.getTime() + PROBE_TTL_MS),
  });
  return id;
}

/**
 * Sends the `connection.test` job, waits for the runner's answer, audits the test (its outcome and
 * code, never a setting) and shapes the answer for the caller (CONN-3).
 */
async function runTest(
  ctx: ServiceContext,
  target: ConnectionTestJob['target'],
  about: { connectionId?: string; kind: string; tunneled: boolean },
  options: Options,
): Promise<Result<TestConnectionResult>> {
  const started = Date.now();
  const { workspaceId, userId } = ctx.actor;
  const result = await sendAndWait(
    ctx,
    target,
    options.waitMs ?? TEST_CONNECTION_WAIT_MS + tunnelAllowance(about.tunneled),
  );
  if (target.type === 'probe') {
    // Never picked up (no runner): the unsaved settings do not outlive the test.
    await ctx.deps.db
      .delete(connectionProbes)
      .where(and(eq(connectionProbes.id, target.probeId), eq(connectionProbes.workspaceId, workspaceId)));
  }
  await ctx.deps.db.transaction((tx) =>
    writeAuditEvent(
      tx,
      {
        workspaceId,
        actorId: userId,
        action: 'connection.test',
        target: about.connectionId ? { type: 'connection', id: about.connectionId } : undefined,
        outcome: result.ok ? 'success' : 'failure',
        ip: ctx.request.ip,
        requestId: ctx.request.requestId,
        details: {
          kind: about.kind,
          unsaved: target.type === 'probe',
          code: result.ok ? null : result.error.code,
        },
      },
      ctx.deps.now(),
    ),
  );
  if (result.ok || ctx.actor.role === 'admin') return result;
  // CONN-3: anyone but an Admin learns only that it failed, and not sooner than the floor, so
  // neither the answer nor its timing tells an open port from a closed or filtered one. The address
  // policy's refusal says nothing about the port and tells them what to change.
  const wait = started + NON_ADMIN_TEST_FLOOR_MS + tunnelAllowance(about.tunneled) - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  if (SAID_TO_EVERYONE.has(result.error.code)) return result;
  return err(couldNotConnect);
}

async function sendAndWait(
  ctx: ServiceContext,
  target: ConnectionTestJob['target'],
  waitMs: number,
): Promise<Result<TestConnectionResult>> {
  const jobId = await ctx.deps.queue.send('connection.test', {
    workspaceId: ctx.actor.workspaceId,
    target,
    requestedBy: ctx.actor.userId,
  });
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const [job] = await ctx.deps.sql<{ state: string; output: unknown }[]>`
      select state, output from ${ctx.deps.sql(QUEUE_SCHEMA)}.job
      where name = 'connection.test' and id = ${jobId}`;
    if (job?.state === 'completed') {
      const output = ConnectionTestOutput.safeParse(job.output);
      if (!output.success) return err(testFailed());
      return output.data.ok ? ok(output.data) : err(output.data.error);
    }
    if (job && job.state !== 'created' && job.state !== 'retry' && job.state !== 'active') {
      ctx.deps.log.warn({ jobId, state: job.state }, 'connection test job did not complete');
      return err(testFailed());
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return err({
    code: 'connections.test_timeout',
    message: `No query runner answered within ${Math.round(waitMs / 1000)} s`,
    hint: 'Check that the query runner is running, then test again',
  });
}

const testFailed = (): QuarryError => ({
  code: 'connections.test_failed',
  message: 'The connection test did not finish',
  hint: 'Test again; if it keeps failing, check the query runner’s log',
});

/** The one answer a non-Admin gets for any failure but the address policy's (CONN-3). */
const couldNotConnect: QuarryError = {
  code: 'connections.test_failed',
  message: 'Quarry could not connect and sign in with these settings',
  hint: 'Check every field (host, port, database, user name, password, SSL/TLS), or ask an Admin',
};

/**
 * Failures that say nothing about whether a port is open, so anyone who may test is told them: the
 * address policy's refusal (of the database host or the SSH host), and the SSH tunnel's own (a changed host key can only come from a saved
 * connection's server, whose reachability its managers already know; a key that does not parse is
 * refused before any connection).
 */
const SAID_TO_EVERYONE = new Set([
  'net.address_refused',
  'ssh.address_refused',
  'ssh.host_key_changed',
  'ssh.key_invalid',
  'ssh.key_passphrase',
]);

const hasTunnel = (settings: Record<string, unknown>) =>
  typeof settings.sshHost === 'string' && settings.sshHost !== '';

const sameSettings = (a: Record<string, unknown>, b: Record<string, unknown>) => {
  const canonical = (settings: Record<string, unknown>) =>
    JSON.stringify(
      Object.keys(settings)
        .sort()
        .map((key) => [key, settings[key]]),
    );
  return canonical(a) === canonical(b);
};
