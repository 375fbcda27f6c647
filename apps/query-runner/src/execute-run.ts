import {
  decideConnectionPermissions,
  decideProjectPermission,
  isAdmin,
  type MemberActor,
  meetsProjectPermission,
  type Reason,
} from '@quarry/access';
import {
  type ConnectorError,
  DEFAULT_RESULT_LIMITS,
  type OwnDatabase,
  type PostgresSessionPool,
  type ResultLimits,
  TUNNEL_OPEN_TIMEOUT_MS,
} from '@quarry/connectors';
import { type BoundValue, type QuarryError, type RunExecuteJob, RunPlan } from '@quarry/contracts';
import { type Db, pipelinedTransaction, preparedQuery, type Queries, type Sql } from '@quarry/db';
import { connectionFacts, type LoadedProjectFacts, loadMemberProjectFacts } from '@quarry/db/access-facts';
import { appendAuditEvent, writeAuditEvent } from '@quarry/db/audit';
import { connections, runs } from '@quarry/db/schema';
import type { AllowList } from '@quarry/net-policy';
import { RUN_STATEMENT_TIMEOUT_MS } from '@quarry/queue';
import { cachedChunkContent, createResultWriter, RUN_EVENTS_CHANNEL, RUN_STATUS_NEWS } from '@quarry/results';
import type { Vault } from '@quarry/vault';
import { and, eq, getTableColumns, inArray, isNull, sql as raw } from 'drizzle-orm';
import type { Logger } from 'pino';
import { executeJsPlan, jsPlanOf, type RunnerKernels } from './cells';
import { connectionConfig } from './connection-config';
import type { ConnectorCache } from './connector-cache';
import { cancelOrphanedQuery, sessionKeyContext } from './orphan-cancel';
import { loadReaderFacts } from './reader-identity';
import {
  type CachedStatement,
  inFlightKeyOf,
  passesIdentity,
  recordIntoCache,
  serveFromCache,
} from './result-cache';
import type { RunCancellations } from './run-cancellations';
import { runnerSharedQueries, type SharedQueries } from './shared-queries/shared-sql-queries';

export type RunnerDeps = {
  db: Db;
  sql: Sql;
  vault: Vault;
  log: Logger;
  now: () => Date;
  /** Byte limits per value and per run (env QUARRY_RUNNER_MAX_VALUE_BYTES / _MAX_RESULT_BYTES). */
  limits?: ResultLimits;
  /**
   * The delivery window of a run's result: undelivered chunks at most, and how long a full window
   * nobody empties lasts before the run ends as `run.abandoned` (RESULT_WINDOW_CHUNKS and
   * RESULT_ABANDON_MS when unset).
   */
  resultWindow?: { chunks?: number; abandonAfterMs?: number };
  /** The kernel pool JS cells run in; without it a JS cell's run fails with a system error. */
  kernels?: RunnerKernels;
  /** Private hosts the operator allowed data connections to reach (CONN-2). */
  allowPrivateHosts: AllowList;
  /** Quarry's own database, which no data connection reaches whatever is allowed (CONN-2). */
  ownDatabase?: OwnDatabase;
  /** Where `runs.cancel` reaches the runs this runner holds; without it only the job's signal stops a run. */
  cancellations?: RunCancellations;
  /** The warehouse queries identical runs share (issue 11 point 3); the process's own when unset. */
  sharedQueries?: SharedQueries;
  /** Warehouse sessions kept between runs; every run opens its own when unset. */
  sessions?: PostgresSessionPool;
  /** Connectors unwrapped for earlier runs, kept as long as their sessions; every run unwraps when unset. */
  connectors?: ConnectorCache;
};

/**
 * Failures of connecting and signing in. Shown as they are to Admins; anyone else gets one answer
 * for all of them, no sooner than this floor (past the 10 s connect timeout), so a run on a
 * connection they typed cannot tell an open port from a closed or filtered one (CONN-3).
 */
const CONNECT_PHASE_CODES = new Set([
  'connector.unreachable',
  'connector.auth_failed',
  'connector.database_not_found',
  'connector.tls_unavailable',
  // A certificate refused says a TLS PostgreSQL answers there as surely as a good sign-in does.
  'connector.tls_untrusted',
  'connector.tls_host_mismatch',
  'connector.tls_client_certificate_refused',
  'connector.failed',
  // Through an SSH tunnel: the SSH server, signing in to it, or what it could reach.
  'ssh.unreachable',
  'ssh.timeout',
  'ssh.handshake_failed',
  'ssh.auth_failed',
  'ssh.target_unreachable',
]);
export const NON_ADMIN_CONNECT_FLOOR_MS = 13_000;

export type RunError = QuarryError & { kind: 'user' | 'system' };

/** Rows per batch the connector hands over (the runner's first chunk holds as many). */
const FIRST_CHUNK_ROWS = 1000;

/** Which setting raises each byte limit, for the error's hint. */
const LIMIT_SETTINGS: Record<string, string> = {
  'run.value_too_large': 'QUARRY_RUNNER_MAX_VALUE_BYTES',
  'run.result_too_large': 'QUARRY_RUNNER_MAX_RESULT_BYTES',
};

/**
 * Thrown after a transient failure put the run back to `queued` (no row had been written), so
 * pg-boss retries the job with backoff. Never thrown for a user's error.
 */
export class RunRetryError extends Error {
  constructor(readonly code: string) {
    super(`transient failure (${code}); the run is queued again for a retry`);
    this.name = 'RunRetryError';
  }
}

/**
 * What the runner knows of this delivery of the job: how many retries the queue has left, and the
 * limits the run is admitted under (see admitted), when it is run from the queue.
 */
export type RunAttempt = { retriesLeft: number; admission?: Admission };

/**
 * A run job is taken only while its owner has fewer than `ownerLimit` runs taken (running) in its
 * workspace and each connection it queries fewer than `connectionLimit` runs taken that query it
 * (a JS cell's run counts against every connection its SQL steps read, for its whole run; pg-boss's
 * group concurrency checks each fetch alone, so slots fetching at the same instant can overshoot
 * it). Takes that share a connection or an owner are serialized (takeLocks), so each take counts
 * every take before it: ordering them by anything else let the limit be passed. pg-boss's
 * `started_on`, the fetch transaction's start and not its commit, was such an order: a fetch that
 * started first and committed last was invisible to a take made in between
 * (attacks14/admission-commit-order.attack.test.ts).
 */
export type Admission = { ownerLimit: number; connectionLimit: number };

/**
 * The take's condition for an admission, counted from the runs taken, by their own rows (never
 * from a job's data: a job's hints can be missing or stale). Each list of connections is read
 * once, this run's and each taken run's: compared element by element, a list long enough to be
 * stored out of line was fetched again for every comparison (160,000 buffers a take for a JS run
 * reading 499 connections). The run being taken is `queued` here, so it never counts itself.
 */
const admitted = (admission: Admission, workspaceId: string) => raw`(
  (select count(*) from runs held
    where held.workspace_id = ${workspaceId} and held.owner_id = ${runs.ownerId} and held.status = 'running')
    < ${admission.ownerLimit}
  and not exists (
    select 1
    from unnest(array_append(${runs.connectionIds}, ${runs.connectionId})) as mine (id)
    join (
      select held_connection.id, count(distinct held.id) as taken
      from runs held, unnest(array_append(held.connection_ids, held.connection_id)) as held_connection (id)
      where held.workspace_id = ${workspaceId} and held.status = 'running'
      group by held_connection.id
    ) as load on load.id = mine.id
    where load.taken >= ${admission.connectionLimit}))`;

/** Shares of a workspace's connections that takes lock (see takeLocks): a power of two. */
const TAKE_LOCK_BUCKETS = 64;

/**
 * The statement before an admitted take, in its transaction: it waits for every take of the same
 * connections or owner that began before it, whose commit the take's count then sees. Transaction
 * locks from the run's own row, taken in one order so that two takes never deadlock:
 * one for the owner, and one for each of TAKE_LOCK_BUCKETS shares of the workspace's connections
 * that holds one of the run's (a JS run may read hundreds, and every lock takes a place in the
 * server's lock table until the commit); takes of connections that share a bucket wait for each
 * other too, which costs a little waiting and never a wrong count.
 */
export const takeLocks = (job: RunExecuteJob) => raw`
  select count(pg_advisory_xact_lock(hashtextextended(ordered.k, 0))) as locked,
    pg_catalog.set_config('synchronous_commit', 'off', true) as unhurried
  from (
    select keys.k from (
      select 'runs.take:' || r.workspace_id || ':connections:' || (hashtext(c.id) & ${TAKE_LOCK_BUCKETS - 1}) as k
        from runs r, unnest(array_append(r.connection_ids, r.connection_id)) as c (id)
        where r.id = ${job.runId} and r.workspace_id = ${job.workspaceId} and c.id is not null
      union
      select 'runs.take:' || r.workspace_id || ':owner:' || r.owner_id
        from runs r where r.id = ${job.runId} and r.workspace_id = ${job.workspaceId}
    ) as keys order by keys.k
  ) as ordered`;

/** A connection of the job's workspace, whole (its sealed credentials too). */
const connectionOfWorkspace = preparedQuery('connection_of_workspace', (db) =>
  db
    .select()
    .from(connections)
    .where(
      and(
        eq(connections.id, raw.placeholder('connectionId')),
        eq(connections.workspaceId, raw.placeholder('workspaceId')),
      ),
    ),
);

/** The warehouse session's sealed cancel key, stored with the run while this attempt holds it. */
const storeSessionKey = preparedQuery('store_session_key', (db) =>
  db
    .update(runs)
    .set({ sessionKey: raw`${raw.placeholder('sessionKey')}` })
    .where(
      and(
        eq(runs.id, raw.placeholder('runId')),
        eq(runs.workspaceId, raw.placeholder('workspaceId')),
        eq(runs.status, 'running'),
        eq(runs.startedAt, raw.placeholder('startedAt')),
      ),
    ),
);

/**
 * The take's time: the database's clock when the statement runs, so a take that waited for
 * takeLocks starts when it was taken, not when it began to wait (its start is what the run's spans,
 * the caps' accounts and every later statement of the attempt go by). Whole milliseconds, as the
 * attempt reads it back into a Date and compares it again.
 */
const TAKEN_AT = raw`date_trunc('milliseconds', clock_timestamp())`;

/**
 * The statement that takes a queued run for this attempt, when its admission (if any) lets it; the
 * run's readers are told it was taken by the same statement, at its commit: no statement of its own.
 */
export function takeRun(db: Queries, job: RunExecuteJob, admission: Admission | undefined) {
  return db
    .update(runs)
    .set({ status: 'running', startedAt: TAKEN_AT, sessionKey: null })
    .where(
      and(
        eq(runs.id, job.runId),
        eq(runs.workspaceId, job.workspaceId),
        eq(runs.status, 'queued'),
        ...(admission ? [admitted(admission, job.workspaceId)] : []),
      ),
    )
    .returning({ ...getTableColumns(runs), told: notifyOf(job.runId, 'status') });
}

/**
 * Takes the run as takeRun does; under an admission, behind takeLocks in one transaction sent as
 * one message (begin, locks, take, commit): the locks are held for the server's work alone, never
 * for a round trip to this process, so takes of one connection or one owner follow each other as
 * fast as the server runs them. The commit need not wait for the disk: the attempt's next statement
 * that commits does (a take lost with the server is a queued run the job's retry takes again), and
 * every take waiting behind these locks would otherwise wait for that flush too.
 */
export async function takeAdmitted(deps: RunnerDeps, job: RunExecuteJob, admission: Admission | undefined) {
  if (!admission) return takeRun(deps.db, job, undefined);
  return pipelinedTransaction(deps.sql, async (tx, commit) => {
    const [, taken] = await Promise.all([tx.execute(takeLocks(job)), takeRun(tx, job, admission), commit()]);
    return taken;
  });
}

/**
 * A take its admission refused: the first of the run's connections (in the run's own order) at
 * its cap, or null when only its owner is at theirs; and how many other runs its owner has queued or
 * running in the workspace (its fair share in the queue, as its start counted it).
 */
export type MustWait = { waitFor: string | null; outstanding: number };

/**
 * The run as a take that took nothing finds it: its status, and, were it still queued under an
 * admission, why it was refused (see MustWait), in one statement. The job is sent again under the
 * connection it waits for: that connection's own runs are then taken in the order they were queued,
 * this one among them. Grouped under another connection of its list, it was fetched whenever that
 * one was free, which under a steady stream of runs on the full one was always while the full one
 * was full, and it never ran while the stream lasted (attacks16/js-run-starvation). Each list of
 * connections is read once, as in the admission. Undefined when the job's workspace has no such run.
 */
async function untakenRun(
  db: Db,
  job: RunExecuteJob,
  admission: Admission | undefined,
): Promise<({ status: string } & MustWait) | undefined> {
  const [row] = await db.execute<{ status: string; wait_for: string | null; outstanding: number }>(raw`
    select r.status,
      (select mine.id
        from unnest(array_append(r.connection_ids, r.connection_id)) with ordinality as mine (id, n)
        join (
          select held_connection.id, count(distinct held.id) as taken
          from runs held, unnest(array_append(held.connection_ids, held.connection_id)) as held_connection (id)
          where held.workspace_id = r.workspace_id and held.status = 'running'
          group by held_connection.id
        ) as load on load.id = mine.id
        where load.taken >= ${admission?.connectionLimit ?? null}
        order by mine.n limit 1) as wait_for,
      (select count(*)::int from runs other
        where other.workspace_id = r.workspace_id and other.owner_id = r.owner_id
          and other.status in ('queued', 'running') and other.id <> r.id) as outstanding
    from runs r where r.id = ${job.runId} and r.workspace_id = ${job.workspaceId}`);
  return row && { status: row.status, waitFor: row.wait_for, outstanding: row.outstanding };
}

/**
 * Executes one run job. At-least-once safe (JOB-1): only a `queued` run is taken, with a guarded
 * update; a retry that finds its run already `running` means the earlier attempt died mid-run
 * (its heartbeat stopped): the query it left on the warehouse is cancelled through the session key
 * it stored, and the run is taken again when no row had been written, or fails with that reason
 * instead of sending rows twice. A transient failure before any row puts the run back to `queued`
 * and throws `RunRetryError`, so the queue retries it with backoff while retries are left.
 */
export async function executeRun(
  deps: RunnerDeps,
  job: RunExecuteJob,
  jobSignal: AbortSignal,
  attempt: RunAttempt = { retriesLeft: 0 },
): Promise<MustWait | undefined> {
  // Watched before the run is taken: a cancel that lands after the take finds it held here, and
  // one that lands before finds the run no longer queued, so it is never taken.
  const watched = deps.cancellations?.watch(job.runId, jobSignal);
  try {
    return await execute(deps, job, watched?.signal ?? jobSignal, attempt);
  } finally {
    watched?.release();
  }
}

const INTERRUPTED: RunError = {
  code: 'run.interrupted',
  message: 'The query runner stopped while this run was in progress',
  hint: 'Run it again',
  kind: 'system',
};

/**
 * Puts a `running` run back to `queued` when it has written no row yet (the rows marker is the
 * run's row_count, set with its first rows chunk), dropping the columns chunk an attempt may have
 * written; answers whether it did. Guarded on the attempt's own start when one is given (JOB-1).
 */
async function requeue(deps: RunnerDeps, job: RunExecuteJob, startedAt?: Date): Promise<boolean> {
  const requeued = await deps.db.transaction(async (tx) => {
    const rows = await tx
      .update(runs)
      .set({ status: 'queued', startedAt: null, sessionKey: null })
      .where(
        and(
          eq(runs.id, job.runId),
          eq(runs.workspaceId, job.workspaceId),
          eq(runs.status, 'running'),
          isNull(runs.rowCount),
          ...(startedAt ? [eq(runs.startedAt, startedAt)] : []),
        ),
      )
      .returning({ id: runs.id });
    if (rows.length === 0) return false;
    await tx.execute(raw`delete from run_chunks where run_id = ${job.runId}`);
    return true;
  });
  if (requeued) await notify(deps.sql, job.runId);
  return requeued;
}

/**
 * Hands a run this runner holds back when it shuts down past its deadline: queued again when no
 * row went out (the queue's retry runs it on another runner), or failed as interrupted otherwise.
 * Called before the run's signal is aborted, so the attempt's own end then finds it no longer its
 * own. Answers what became of it.
 */
export async function handBack(deps: RunnerDeps, job: RunExecuteJob): Promise<'queued' | 'failed'> {
  if (await requeue(deps, job)) return 'queued';
  await finish(deps, job, { status: 'failed', error: INTERRUPTED });
  return 'failed';
}

/**
 * Ends a run whose job exhausted its retries (it reached the dead-letter queue): every attempt's
 * runner died or handed it back. Its last query is cancelled on the warehouse, and the run leaves
 * `queued` or `running` as failed, with the reason, so it never stays stuck (JOB-5, JOB-6).
 */
export async function failAbandonedRun(deps: RunnerDeps, job: RunExecuteJob): Promise<boolean> {
  await cancelOrphanedQuery(deps, { id: job.runId, workspaceId: job.workspaceId });
  const now = deps.now();
  const error: RunError = {
    ...INTERRUPTED,
    message: 'The query runner stopped while this run was in progress, on every retry',
    hint: 'Run it again; if it keeps failing, ask an operator to check the query runners',
  };
  const ended = await deps.db.transaction(async (tx) => {
    const [owner] = await tx
      .update(runs)
      .set({ status: 'failed', error, finishedAt: now, sessionKey: null })
      .where(
        and(
          eq(runs.id, job.runId),
          eq(runs.workspaceId, job.workspaceId),
          inArray(runs.status, ['queued', 'running']),
        ),
      )
      .returning({ ownerId: runs.ownerId });
    if (!owner) return false;
    await writeAuditEvent(
      tx,
      {
        workspaceId: job.workspaceId,
        actorId: owner.ownerId,
        action: 'run.finish',
        target: { type: 'run', id: job.runId },
        outcome: 'failure',
        details: { code: error.code, kind: error.kind },
      },
      now,
    );
    return true;
  });
  if (ended) await notify(deps.sql, job.runId);
  return ended;
}

async function execute(
  deps: RunnerDeps,
  job: RunExecuteJob,
  signal: AbortSignal,
  attempt: RunAttempt,
): Promise<MustWait | undefined> {
  const { db, log } = deps;
  const runLog = log.child({ runId: job.runId });
  const [taken] = await takeAdmitted(deps, job, attempt.admission);
  if (!taken) {
    // JOB-6: a job names its workspace; a run of any other workspace is not this job's to touch.
    const current = await untakenRun(db, job, attempt.admission);
    // Still queued: not admitted (its owner or its connection is at its limit).
    if (current?.status === 'queued' && attempt.admission) {
      return { waitFor: current.waitFor, outstanding: current.outstanding };
    }
    if (current?.status === 'running') {
      // The earlier attempt's runner died (or lost its claim): stop what it left on the warehouse
      // first, then run it again if it had written no row, or fail it with that reason.
      await cancelOrphanedQuery(deps, { id: job.runId, workspaceId: job.workspaceId });
      if (await requeue(deps, job)) {
        runLog.info({}, 'run interrupted before any row: taken again');
        return execute(deps, job, signal, attempt);
      }
      runLog.info({}, 'run interrupted after rows were written: failed');
      await finish(deps, job, { status: 'failed', error: INTERRUPTED });
    }
    return;
  }
  // takeRun stamps the attempt's start: what every later statement of this attempt is guarded by.
  const attemptStart = taken.startedAt;
  if (!attemptStart) throw new Error('a taken run has no start time');
  runLog.info({ connectionId: taken.connectionId }, 'run started');

  // A JS cell's run executes its plan (upstream SQL, then JS in a kernel); a SQL cell's goes on here.
  const jsPlan = jsPlanOf(taken.plan);
  if (jsPlan) {
    await executeJsRun(deps, job, { run: taken, plan: jsPlan, signal, attemptStart });
    return;
  }
  const connectionId = taken.connectionId;
  if (!connectionId) {
    await finish(deps, job, {
      status: 'failed',
      error: {
        code: 'run.no_connection',
        message: 'This SQL cell has no data connection',
        hint: 'Choose a data connection for the cell, then run it again',
        kind: 'user',
      },
    });
    return;
  }

  // JOB-4: the payload carried ids only; authorization is decided again here, from the database.
  // Both read in one round trip.
  const [{ member: owner, facts }, [connection]] = await Promise.all([
    loadMemberProjectFacts(db, {
      workspaceId: taken.workspaceId,
      userId: taken.ownerId,
      projectId: taken.projectId,
    }),
    connectionOfWorkspace(db).execute({ connectionId, workspaceId: job.workspaceId }),
  ]);
  const ownerIsAdmin = owner !== null && isAdmin(owner);
  const refusal = authorize({ ...taken, connectionId }, connection, owner, facts);
  if (refusal) {
    await finish(deps, job, { status: 'failed', error: { ...refusal, kind: 'user' } });
    return;
  }
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
  // Who reads, as Quarry's database says now: what a connection that passes the reader's identity
  // to the warehouse signs (CONN-5), and what keys the cache for it. The gate above refused a run
  // without a member owner.
  // Read only where the connection passes identity: nothing else (the cache key, the sharing of a
  // query in flight) looks at it otherwise.
  const reader =
    owner && passesIdentity(connection.settings)
      ? await loadReaderFacts(db, { workspaceId: taken.workspaceId, actor: owner })
      : null;
  const params = sqlParamsOf(taken.plan);
  const statement: CachedStatement = {
    workspaceId: job.workspaceId,
    runId: job.runId,
    connection,
    sql: taken.source,
    params,
    rowLimit: taken.rowLimit,
    owner,
    reader,
    refresh: taken.refresh,
  };
  // Rows went out: past this, an interrupted or failed run is never run again (its reader has rows;
  // a retry would send them twice). The run's row_count, the same mark in the database, is set by
  // the result writer in the transaction that stores the first rows.
  let rowsWritten = false;
  const markRowsWritten = async () => {
    rowsWritten = true;
  };
  // A hit is a read like any other: the cache decides the gate again for this owner first (item 8).
  const cacheOut = createResultWriter(deps, {
    workspaceId: job.workspaceId,
    resultId: job.runId,
    signal,
    ...(deps.resultWindow?.chunks ? { window: deps.resultWindow.chunks } : {}),
    ...(deps.resultWindow?.abandonAfterMs ? { abandonAfterMs: deps.resultWindow.abandonAfterMs } : {}),
    attemptStartedAt: attemptStart,
    recordFirstRows: true,
  });
  const served = await serveFromCache(deps, statement, async (chunk) => {
    const written = await cacheOut.write(cachedChunkContent(chunk));
    if (written.ok && chunk.kind === 'rows') await markRowsWritten();
    return written;
  });
  if (served.ok && served.value) {
    const { rowCount, truncated, createdAt } = served.value;
    await finish(
      deps,
      job,
      { status: 'succeeded', rowCount, truncated, cachedAt: createdAt },
      attemptStart,
      taken.ownerId,
    );
    runLog.info({ rowCount, truncated, cachedAt: createdAt }, 'run served from the cache');
    return;
  }
  if (!served.ok) {
    const failure = served.error;
    if (failure.reason === 'gate') {
      await finish(deps, job, { status: 'failed', error: { ...failure.error, kind: 'user' } }, attemptStart);
      return;
    }
    if (failure.reason === 'sink' || failure.chunksSent > 0) {
      await cacheOut.discard();
      const kind = failure.reason === 'sink' ? 'user' : 'system';
      await finish(deps, job, { status: 'failed', error: { ...failure.error, kind } }, attemptStart);
      return;
    }
    // A sealed entry that failed its check sent nothing and was deleted: the warehouse answers.
  }

  const connector = await connectionConfig(deps, connection, { userId: taken.ownerId, runId: taken.id });
  if (!connector.ok) {
    const { vaultCode, ...error } = connector.error;
    if (vaultCode) runLog.error({ code: vaultCode }, 'connection credentials could not be unwrapped');
    await finish(deps, job, { status: 'failed', error });
    return;
  }

  const connectingSince = performance.now();
  // Identical runs in flight in this runner share one warehouse query (issue 11 point 3); each has
  // passed its own gate above, and reads the query into its own result.
  // The run's end recorded (its stored session key cleared): only then may the warehouse session it
  // read from serve another run (ConnectContext.keepSessionAfter). Rejected when that failed.
  const released = Promise.withResolvers<void>();
  released.promise.catch(() => undefined);
  const readAndFinish = async (): Promise<void> => {
    const shared = await (deps.sharedQueries ?? runnerSharedQueries).run(deps, {
      key: inFlightKeyOf(statement),
      // A refresh reads only a query opened after it was taken: its rows are computed after it asked.
      ...(taken.refresh ? { notBefore: attemptStart } : {}),
      reader: {
        workspaceId: job.workspaceId,
        runId: job.runId,
        signal,
        ...(deps.resultWindow ? { window: deps.resultWindow } : {}),
        attemptStartedAt: attemptStart,
        // The marker that rows went out: past it, an interrupted or failed run is never run again (its
        // reader has rows; a retry would send them twice).
        onFirstRows: markRowsWritten,
        released: released.promise,
        // The session's cancel key, sealed for this run alone, stored before the statement runs (or
        // when this run attached): a runner that finds this run orphaned cancels its query (JOB-6).
        // Stored only while this attempt still holds the run.
        onSession: async (key) => {
          const sessionKey = deps.vault.seal(key, sessionKeyContext(job.workspaceId, job.runId));
          await storeSessionKey(db).execute({ ...job, sessionKey, startedAt: attemptStart.toISOString() });
        },
      },
      open: {
        connector: connector.value,
        // The session is named for the run that opened it, so a query left behind by a dead runner
        // can be cancelled.
        request: {
          sql: taken.source,
          // The cell's {{inputs}}, bound (CONN-4): the plan's values, in the placeholders' order.
          params,
          rowLimit: taken.rowLimit,
          batchSize: FIRST_CHUNK_ROWS,
          tag: runTag(taken.id),
          ...(reader ? { reader: { runId: taken.id, ...reader } } : {}),
        },
        context: {
          timeoutMs: RUN_STATEMENT_TIMEOUT_MS,
          allow: deps.allowPrivateHosts,
          ...(deps.ownDatabase ? { ownDatabase: deps.ownDatabase } : {}),
          limits: deps.limits ?? DEFAULT_RESULT_LIMITS,
          ...(deps.sessions ? { sessions: deps.sessions } : {}),
        },
        // What the query returns is also kept in the cache when the connection's policy is on: once
        // per warehouse query, however many runs read it.
        record: (write) => recordIntoCache(deps, { ...statement, startedAt: attemptStart }, write),
      },
    });
    const outcome = shared.outcome;
    if (shared.attachedTo)
      runLog.info({ attachedTo: shared.attachedTo }, 'run read a query already in flight');
    if (outcome.status === 'succeeded') {
      const { rowCount, truncated } = outcome;
      await finish(deps, job, { status: 'succeeded', rowCount, truncated }, attemptStart, taken.ownerId);
      runLog.info({ rowCount, truncated }, 'run succeeded');
      return;
    }
    let error = shownError(outcome.error);
    const hidesConnectFailure = !outcome.connected && !ownerIsAdmin && CONNECT_PHASE_CODES.has(error.code);
    // Transient faults (connection refused, serialization failure) are retried with backoff while
    // no row went out and the queue has retries left; a user's error never is. A connect failure
    // a non-Admin may not see is not retried either: how long the retries took would tell an
    // open port from a closed one (CONN-3).
    if (
      outcome.error.transient &&
      outcome.error.kind === 'system' &&
      !rowsWritten &&
      !hidesConnectFailure &&
      !signal.aborted &&
      attempt.retriesLeft > 0 &&
      (await requeue(deps, job, attemptStart))
    ) {
      runLog.info({ code: error.code, internal: outcome.error.internal }, 'run failed transiently: retrying');
      throw new RunRetryError(error.code);
    }
    // The driver's own text (addresses, ports) goes to the log only (item 17).
    runLog.info({ code: error.code, kind: error.kind, internal: outcome.error.internal }, 'run failed');
    if (hidesConnectFailure) {
      // A tunnel is opened first (bounded by TUNNEL_OPEN_TIMEOUT_MS): the floor covers it too.
      const tunnel = typeof connection.settings.sshHost === 'string' ? TUNNEL_OPEN_TIMEOUT_MS : 0;
      await sleepUntil(connectingSince + NON_ADMIN_CONNECT_FLOOR_MS + tunnel, signal);
      error = {
        code: 'connector.connect_failed',
        message: 'Quarry could not connect to the database and sign in',
        hint: 'Ask whoever set up the connection to test it in Settings → Data sources, or from the project',
        kind: 'system',
      };
    }
    await finish(
      deps,
      job,
      { status: error.code === 'run.cancelled' ? 'cancelled' : 'failed', error },
      attemptStart,
    );
  };
  try {
    await readAndFinish();
    released.resolve();
  } catch (error) {
    released.reject(error);
    throw error;
  }
}

/**
 * The bound values of a SQL cell's run: its plan's target step's params. A run stored before plans
 * (or whose plan does not parse) had no inputs, so it binds none.
 */
function sqlParamsOf(stored: unknown): BoundValue[] {
  const plan = RunPlan.safeParse(stored);
  const target = plan.success ? plan.data.steps.at(-1) : undefined;
  return target?.kind === 'sql' ? target.params : [];
}

/**
 * A JS cell's run (issue 11 item 2): its plan executed by the cells module (upstream SQL on each
 * connection, Can query re-checked, then the JS steps in one kernel session, the results gate
 * before and after), its result written through the same delivery window as a SQL cell's, and each
 * step's rows and time recorded with the run.
 */
async function executeJsRun(
  deps: RunnerDeps,
  job: RunExecuteJob,
  input: {
    run: typeof runs.$inferSelect;
    plan: RunPlan;
    signal: AbortSignal;
    attemptStart: Date | undefined;
  },
): Promise<void> {
  const { run, plan, signal, attemptStart } = input;
  const runLog = deps.log.child({ runId: run.id });
  if (!deps.kernels) {
    await finish(
      deps,
      job,
      {
        status: 'failed',
        error: {
          code: 'run.failed',
          message: 'This query runner cannot run JS cells',
          hint: 'Ask an operator to check the query runner’s kernels',
          kind: 'system',
        },
      },
      attemptStart,
    );
    return;
  }
  const held = and(
    eq(runs.id, job.runId),
    eq(runs.workspaceId, job.workspaceId),
    eq(runs.status, 'running'),
    ...(attemptStart ? [eq(runs.startedAt, attemptStart)] : []),
  );
  const writer = createResultWriter(deps, {
    workspaceId: job.workspaceId,
    resultId: job.runId,
    signal,
    ...(deps.resultWindow?.chunks ? { window: deps.resultWindow.chunks } : {}),
    ...(deps.resultWindow?.abandonAfterMs ? { abandonAfterMs: deps.resultWindow.abandonAfterMs } : {}),
    ...(attemptStart ? { attemptStartedAt: attemptStart } : {}),
    // Its first rows set the run's row_count: an interrupted run is then failed, never run again.
    recordFirstRows: true,
  });
  const { steps, result } = await executeJsPlan(
    { ...deps, kernels: deps.kernels.pool, inputCaps: deps.kernels.inputCaps },
    {
      run: {
        id: run.id,
        workspaceId: run.workspaceId,
        projectId: run.projectId,
        ownerId: run.ownerId,
        rowLimit: run.rowLimit,
      },
      plan,
      signal,
      sink: {
        columns: (columns) => writer.write({ kind: 'columns', columns }),
        rows: (rows) => writer.write({ kind: 'rows', rows }),
        value: (json) => writer.write({ kind: 'value', json }),
      },
      // Each SQL step's cancel key, sealed for this run, so an orphaned query can be cancelled.
      onSession: async ({ connectionId, key }) => {
        await deps.db
          .update(runs)
          .set({
            sessionKey: deps.vault.seal(
              JSON.stringify({ connectionId, key }),
              sessionKeyContext(job.workspaceId, job.runId),
            ),
          })
          .where(held);
      },
    },
  );
  await deps.db.update(runs).set({ steps }).where(held);
  if (result.ok) {
    const table = result.value.kind === 'table' ? result.value : null;
    await finish(
      deps,
      job,
      { status: 'succeeded', rowCount: table?.rowCount ?? 0, truncated: table?.truncated ?? false },
      attemptStart,
    );
    runLog.info({ steps: steps.length, result: result.value.kind }, 'run succeeded');
    return;
  }
  const error = result.error;
  runLog.info({ code: error.code, kind: error.kind }, 'run failed');
  // Nothing of a failed result is left for anyone to read.
  await writer.discard();
  await finish(
    deps,
    job,
    { status: error.code === 'run.cancelled' ? 'cancelled' : 'failed', error },
    attemptStart,
  );
}

/** The warehouse session's name for a run (PostgreSQL's application_name holds 63 bytes). */
export const runTag = (runId: string): string => `quarry-run:${runId}`.slice(0, 63);

/** Waits until `at` (a performance.now() time), or until the run is cancelled. */
function sleepUntil(at: number, signal: AbortSignal): Promise<void> {
  const wait = at - performance.now();
  if (wait <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, wait);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** What the run's owner is shown: the typed error without anything meant for the log. */
function shownError(error: ConnectorError): RunError {
  const { kind, transient: _transient, internal: _internal, ...shown } = error;
  const setting = LIMIT_SETTINGS[shown.code];
  if (setting) {
    return {
      ...shown,
      hint: `Select less (fewer rows or columns, or left(column, 1000) for long values); an operator can raise the limit with ${setting} on the query runner`,
      details: { ...shown.details, setting },
      kind,
    };
  }
  return { ...shown, kind };
}

/** The results gate and the authoring check, through the same engine the API uses. */
function authorize(
  run: typeof runs.$inferSelect & { connectionId: string },
  connection: typeof connections.$inferSelect | undefined,
  actor: MemberActor | null,
  facts: LoadedProjectFacts | null,
): QuarryError | null {
  const refused = (reason: Reason): QuarryError => ({ code: reason.code, message: reason.message });
  if (!actor) return { code: 'access.not_a_member', message: 'You are no longer a member of this workspace' };
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
  if (!connection) return null;
  // Only a connection the project imports is under the project's rules (the engine's facts above);
  // a project connection serves its own project alone.
  const imported = facts.connections.some((c) => c.id === connection.id);
  if (!imported || (connection.scope === 'project' && connection.projectId !== run.projectId)) {
    return {
      code: 'run.connection_not_in_project',
      message: `The connection '${connection.name}' is not part of this project`,
      hint: 'Add the connection to the project, or choose one of its connections',
    };
  }
  const permissions = decideConnectionPermissions({ actor, connection: connectionFacts(connection) });
  if (!permissions.canQuery.allowed) return refused(permissions.canQuery.reason);
  if (!permissions.canViewResults.allowed) return refused(permissions.canViewResults.reason);
  return null;
}

export type Outcome =
  /** `cachedAt`: the result was served from the cache, computed then. */
  | { status: 'succeeded'; rowCount: number; truncated: boolean; cachedAt?: Date }
  | { status: 'failed' | 'cancelled'; error: RunError };

/**
 * The only way a run leaves `running`; the guard keeps a late duplicate from overwriting it, and
 * `startedAt` (the attempt's own take) keeps an earlier attempt that lost its claim from ending the
 * attempt that took the run again (JOB-1). The session key goes with the session. The change, its
 * readers' notification and its audit entry are one statement (the entry written only when the
 * change was made), so the workspace's audit chain is held for the server's work alone; the entry's
 * actor is the run's owner, read first when the caller does not know it.
 */
export async function finish(
  deps: Pick<RunnerDeps, 'db' | 'sql' | 'now'>,
  job: RunExecuteJob,
  outcome: Outcome,
  startedAt?: Date,
  knownOwnerId?: string,
): Promise<void> {
  const ofThisRun = and(eq(runs.id, job.runId), eq(runs.workspaceId, job.workspaceId));
  const ownerId =
    knownOwnerId ?? (await deps.db.select({ ownerId: runs.ownerId }).from(runs).where(ofThisRun))[0]?.ownerId;
  if (!ownerId) return;
  const now = deps.now();
  const ended = deps.db
    .update(runs)
    .set(
      outcome.status === 'succeeded'
        ? {
            status: 'succeeded',
            rowCount: outcome.rowCount,
            truncated: outcome.truncated,
            finishedAt: now,
            sessionKey: null,
            cacheHitAt: outcome.cachedAt ?? null,
          }
        : { status: outcome.status, error: outcome.error, finishedAt: now, sessionKey: null },
    )
    .where(
      and(
        ofThisRun,
        eq(runs.status, 'running'),
        // The entry names this owner: it is the run's (an owner never changes).
        eq(runs.ownerId, ownerId),
        ...(startedAt ? [eq(runs.startedAt, startedAt)] : []),
      ),
    )
    // Its readers are told at the commit: only when it ended the run.
    .returning({ told: notifyOf(job.runId) });
  await appendAuditEvent(
    deps.db,
    {
      workspaceId: job.workspaceId,
      actorId: ownerId,
      action: 'run.finish',
      target: { type: 'run', id: job.runId },
      outcome: outcome.status === 'succeeded' ? 'success' : 'failure',
      details:
        outcome.status === 'succeeded'
          ? {
              rowCount: outcome.rowCount,
              truncated: outcome.truncated,
              ...(outcome.cachedAt ? { cachedAt: outcome.cachedAt.toISOString() } : {}),
            }
          : { code: outcome.error.code, kind: outcome.error.kind },
    },
    now,
    { after: ended.getSQL() },
  );
}

/** The run's news for its readers, `status` when only its status changed (no chunk to read). */
const newsOf = (runId: string, only?: 'status') => (only ? `${runId}${RUN_STATUS_NEWS}` : runId);

/** Tells the run's readers it has news (see newsOf). */
function notify(sql: Sql, runId: string, only?: 'status') {
  return sql`select pg_notify(${RUN_EVENTS_CHANNEL}, ${newsOf(runId, only)})`;
}

/** The same news as a column of the statement that made it, sent at that statement's commit. */
const notifyOf = (runId: string, only?: 'status') =>
  raw<string>`pg_notify(${RUN_EVENTS_CHANNEL}, ${newsOf(runId, only)})::text`;
