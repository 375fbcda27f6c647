import {
  decideConnectionPermissions,
  decideProjectPermission,
  meetsProjectPermission,
  type Reason,
} from '@quarry/access';
import { PostgresConfig, streamPostgres } from '@quarry/connectors';
import type { Cell, QuarryError, RunExecuteJob } from '@quarry/contracts';
import type { Db, Sql } from '@quarry/db';
import { connectionFacts, loadMemberActor, loadProjectFacts } from '@quarry/db/access-facts';
import { writeAuditEvent } from '@quarry/db/audit';
import { connectionCredentialsContext, connections, runChunks, runs } from '@quarry/db/schema';
import {
  chunkContext,
  RUN_CHUNK_TTL_MS,
  RUN_EVENTS_CHANNEL,
  RUN_STATEMENT_TIMEOUT_MS,
  sealColumns,
  sealRows,
} from '@quarry/queue';
import type { Vault, VaultContext } from '@quarry/vault';
import { and, eq } from 'drizzle-orm';
import type { Logger } from 'pino';

export type RunnerDeps = { db: Db; sql: Sql; vault: Vault; log: Logger; now: () => Date };

type RunError = QuarryError & { kind: 'user' | 'system' };

const FIRST_CHUNK_ROWS = 1000;
const MAX_CHUNK_ROWS = 16_000;

/**
 * Executes one run job. At-least-once safe (JOB-1): only a `queued` run is taken, with a guarded
 * update; a retry that finds its run already `running` means the earlier attempt died mid-run,
 * and the run fails with that reason instead of sending rows twice.
 */
export async function executeRun(deps: RunnerDeps, job: RunExecuteJob, signal: AbortSignal): Promise<void> {
  const { db, log } = deps;
  const runLog = log.child({ runId: job.runId });
  const [taken] = await db
    .update(runs)
    .set({ status: 'running', startedAt: deps.now() })
    .where(and(eq(runs.id, job.runId), eq(runs.workspaceId, job.workspaceId), eq(runs.status, 'queued')))
    .returning();
  if (!taken) {
    const [current] = await db.select({ status: runs.status }).from(runs).where(eq(runs.id, job.runId));
    if (current?.status === 'running') {
      await finish(deps, job, {
        status: 'failed',
        error: {
          code: 'run.interrupted',
          message: 'The query runner stopped while this run was in progress',
          hint: 'Run it again',
          kind: 'system',
        },
      });
    }
    return;
  }
  await notify(deps.sql, job.runId);
  runLog.info({ connectionId: taken.connectionId }, 'run started');

  // JOB-4: the payload carried ids only; authorization is decided again here, from the database.
  const refusal = await authorize(db, taken);
  if (refusal) {
    await finish(deps, job, { status: 'failed', error: { ...refusal, kind: 'user' } });
    return;
  }
  const [connection] = await db
    .select()
    .from(connections)
    .where(and(eq(connections.id, taken.connectionId), eq(connections.workspaceId, job.workspaceId)));
  if (!connection) {
    await finish(deps, job, {
      status: 'failed',
      error: {
        code: 'run.connection_deleted',
        message: 'The data connection of this cell was deleted',
        hint: 'Choose another connection',
        kind: 'user',
      },
    });
    return;
  }
  const secret = deps.vault.openText(
    connection.credentials,
    connectionCredentialsContext(job.workspaceId, connection.id),
  );
  if (!secret.ok) {
    runLog.error({ code: secret.error.code }, 'connection credentials could not be unwrapped');
    await finish(deps, job, {
      status: 'failed',
      error: {
        code: 'vault.unwrap_failed',
        message: 'The connection credentials could not be decrypted',
        hint: 'An Admin should re-enter the connection password',
        kind: 'system',
      },
    });
    return;
  }
  const config = PostgresConfig.parse({
    host: connection.host,
    port: connection.port,
    database: connection.database,
    username: connection.username,
    password: (JSON.parse(secret.value) as { password: string }).password,
    sslMode: connection.sslMode,
  });

  let seq = 0;
  let rowCount = 0;
  // Row count 0 marks the columns chunk; every other chunk is a batch of rows.
  const writeChunk = async (rows: number, seal: (context: VaultContext) => Buffer) => {
    const context = chunkContext(job.workspaceId, job.runId, seq);
    await db.insert(runChunks).values({
      runId: job.runId,
      seq,
      rowCount: rows,
      payload: seal(context),
      expiresAt: new Date(deps.now().getTime() + RUN_CHUNK_TTL_MS),
    });
    seq += 1;
    await notify(deps.sql, job.runId);
  };

  // Chunks start small, so the first rows reach the reader at once, and grow, so a long result
  // pays the per-chunk cost (seal, insert, notify) a few dozen times rather than once per batch.
  let pending: Cell[][] = [];
  let chunkTarget = FIRST_CHUNK_ROWS;
  const flush = async () => {
    if (!pending.length) return;
    const rows = pending;
    pending = [];
    chunkTarget = Math.min(chunkTarget * 2, MAX_CHUNK_ROWS);
    await writeChunk(rows.length, (context) => sealRows(deps.vault, context, rows));
  };

  for await (const event of streamPostgres(config, taken.source, [], {
    rowLimit: taken.rowLimit,
    timeoutMs: RUN_STATEMENT_TIMEOUT_MS,
    signal,
    batchSize: FIRST_CHUNK_ROWS,
  })) {
    if (event.type === 'columns') {
      const { columns } = event;
      await writeChunk(0, (context) => sealColumns(deps.vault, context, columns));
    } else if (event.type === 'rows') {
      rowCount += event.rows.length;
      for (const row of event.rows) pending.push(row);
      if (pending.length >= chunkTarget) await flush();
    } else if (event.type === 'end') {
      await flush();
      await finish(deps, job, { status: 'succeeded', rowCount, truncated: event.truncated });
      runLog.info({ rowCount, truncated: event.truncated }, 'run succeeded');
    } else {
      const { kind, transient: _transient, ...error } = event.error;
      await finish(deps, job, {
        status: error.code === 'run.cancelled' ? 'cancelled' : 'failed',
        error: { ...error, kind },
      });
      runLog.info({ code: error.code, kind }, 'run failed');
    }
  }
}

/** The results gate and the authoring check, through the same engine the API uses. */
async function authorize(db: Db, run: typeof runs.$inferSelect): Promise<QuarryError | null> {
  const actor = await loadMemberActor(db, { workspaceId: run.workspaceId, userId: run.ownerId });
  const refused = (reason: Reason): QuarryError => ({ code: reason.code, message: reason.message });
  if (!actor) return { code: 'access.not_a_member', message: 'You are no longer a member of this workspace' };
  const facts = await loadProjectFacts(db, { workspaceId: run.workspaceId, projectId: run.projectId, actor });
  if (!facts) return { code: 'not_found.project', message: 'The project of this run no longer exists' };
  const decision = decideProjectPermission(facts);
  if (!meetsProjectPermission(decision.effective, 'can_edit')) {
    const reason = decision.reasons.at(-1);
    return reason
      ? refused(reason)
      : {
          code: 'access.insufficient_permission',
          message: 'You need Can edit on this project to run its SQL',
        };
  }
  const [connection] = await db.select().from(connections).where(eq(connections.id, run.connectionId));
  if (!connection) return null;
  const permissions = decideConnectionPermissions({ actor, connection: connectionFacts(connection) });
  if (!permissions.canQuery.allowed) return refused(permissions.canQuery.reason);
  if (!permissions.canViewResults.allowed) return refused(permissions.canViewResults.reason);
  return null;
}

type Outcome =
  | { status: 'succeeded'; rowCount: number; truncated: boolean }
  | { status: 'failed' | 'cancelled'; error: RunError };

/** The only way a run leaves `running`; the guard keeps a late duplicate from overwriting it. */
async function finish(deps: RunnerDeps, job: RunExecuteJob, outcome: Outcome): Promise<void> {
  const now = deps.now();
  await deps.db.transaction(async (tx) => {
    const updated = await tx
      .update(runs)
      .set(
        outcome.status === 'succeeded'
          ? { status: 'succeeded', rowCount: outcome.rowCount, truncated: outcome.truncated, finishedAt: now }
          : { status: outcome.status, error: outcome.error, finishedAt: now },
      )
      .where(and(eq(runs.id, job.runId), eq(runs.status, 'running')))
      .returning({ ownerId: runs.ownerId });
    const owner = updated[0];
    if (!owner) return;
    await writeAuditEvent(
      tx,
      {
        workspaceId: job.workspaceId,
        actorId: owner.ownerId,
        action: 'run.finish',
        target: { type: 'run', id: job.runId },
        outcome: outcome.status === 'succeeded' ? 'success' : 'failure',
        details:
          outcome.status === 'succeeded'
            ? { rowCount: outcome.rowCount, truncated: outcome.truncated }
            : { code: outcome.error.code, kind: outcome.error.kind },
      },
      now,
    );
  });
  await notify(deps.sql, job.runId);
}

function notify(sql: Sql, runId: string) {
  return sql`select pg_notify(${RUN_EVENTS_CHANNEL}, ${runId})`;
}
