import type {
  ActiveRun,
  DeadLetter,
  OperationsStatus,
  RecentFailure,
  RunnerInstance,
} from '@quarry/contracts';
import type { Db } from '@quarry/db';
import { connections, runFailed, runIsActive, runs, users } from '@quarry/db/schema';
import { and, desc, eq, gte, inArray, type SQL } from 'drizzle-orm';
import type { QueueAdmin } from '../queue-admin';
import { catalogQueues, readQueueDepth } from './queue-depth';

export type OperationsDeps = { db: Db; queue: QueueAdmin; now: () => Date };

/** Whose runs to show: one workspace (an Admin's page) or every workspace (the operator's CLI). */
export type OperationsScope = { workspaceId: string } | { all: true };

const ACTIVE_LIMIT = 200;
const FAILURE_LIMIT = 20;
const FAILURE_WINDOW_MS = 24 * 60 * 60_000;
const DEAD_LETTER_LIMIT = 100;

const inScope = (scope: OperationsScope): SQL | undefined =>
  'workspaceId' in scope ? eq(runs.workspaceId, scope.workspaceId) : undefined;

/**
 * What the on-call engineer looks at: queue depth (totals), queued and running runs with their age,
 * owner and connection, the last day's failures with their errors, and dead letters. Every run
 * and dead letter is of the scope's workspace only; each list is bounded and read by index.
 */
export async function readOperationsStatus(
  deps: OperationsDeps,
  scope: OperationsScope,
  options: { fresh?: boolean } = {},
): Promise<OperationsStatus> {
  const now = deps.now();
  const [queues, activeRuns, recentFailures, deadLetters, runnersOnline] = await Promise.all([
    readQueueDepth(deps.queue, options),
    readActiveRuns(deps.db, scope),
    readRecentFailures(deps.db, scope, now),
    readDeadLetters(deps, scope),
    readRunners(deps.queue).then((list) => list.filter((r) => !r.quiet).length),
  ]);
  return { queues, activeRuns, recentFailures, deadLetters, runnersOnline, at: now };
}

async function readActiveRuns(db: Db, scope: OperationsScope): Promise<ActiveRun[]> {
  const rows = await db
    .select({
      runId: runs.id,
      workspaceId: runs.workspaceId,
      status: runs.status,
      ownerId: runs.ownerId,
      ownerEmail: users.email,
      connectionId: runs.connectionId,
      connectionName: connections.name,
      projectId: runs.projectId,
      createdAt: runs.createdAt,
      startedAt: runs.startedAt,
    })
    .from(runs)
    .leftJoin(users, eq(users.id, runs.ownerId))
    .leftJoin(
      connections,
      and(eq(connections.id, runs.connectionId), eq(connections.workspaceId, runs.workspaceId)),
    )
    .where(and(inScope(scope), runIsActive))
    .orderBy(runs.createdAt)
    .limit(ACTIVE_LIMIT);
  return rows;
}

async function readRecentFailures(db: Db, scope: OperationsScope, now: Date): Promise<RecentFailure[]> {
  const rows = await db
    .select({
      runId: runs.id,
      workspaceId: runs.workspaceId,
      ownerId: runs.ownerId,
      ownerEmail: users.email,
      connectionId: runs.connectionId,
      connectionName: connections.name,
      finishedAt: runs.finishedAt,
      error: runs.error,
    })
    .from(runs)
    .leftJoin(users, eq(users.id, runs.ownerId))
    .leftJoin(
      connections,
      and(eq(connections.id, runs.connectionId), eq(connections.workspaceId, runs.workspaceId)),
    )
    .where(and(inScope(scope), runFailed, gte(runs.finishedAt, new Date(now.getTime() - FAILURE_WINDOW_MS))))
    .orderBy(desc(runs.finishedAt))
    .limit(FAILURE_LIMIT);
  return rows.map(({ error, finishedAt, ...row }) => {
    const e = readRunError(error);
    return { ...row, finishedAt: finishedAt ?? now, ...e };
  });
}

/** A run's stored error (a QuarryError plus `kind`), read defensively: it is jsonb. */
function readRunError(error: unknown): Pick<RecentFailure, 'code' | 'message' | 'kind'> {
  const e = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  const text = (v: unknown, fallback: string) => (typeof v === 'string' ? v.slice(0, 500) : fallback);
  return {
    code: text(e.code, 'run.failed'),
    message: text(e.message, 'The run failed'),
    kind: e.kind === 'user' || e.kind === 'system' ? e.kind : null,
  };
}

/** The dead letters of the scope, newest last, with the status of the run each was for. */
export async function readDeadLetters(
  deps: Pick<OperationsDeps, 'db' | 'queue'>,
  scope: OperationsScope,
): Promise<DeadLetter[]> {
  const filter = 'workspaceId' in scope ? { data: { workspaceId: scope.workspaceId } } : {};
  const perQueue = await Promise.all(
    catalogQueues().map(async ({ deadLetterQueue }) => {
      const jobs = await deps.queue.findJobs<Record<string, unknown>>(deadLetterQueue, {
        ...filter,
        queued: true,
        limit: DEAD_LETTER_LIMIT,
      });
      return jobs.map((job) => {
        const data = typeof job.data === 'object' && job.data !== null ? job.data : {};
        const text = (v: unknown) => (typeof v === 'string' ? v : null);
        return {
          id: job.id,
          queue: deadLetterQueue,
          sourceQueue: job.sourceName,
          createdAt: job.sourceCreatedOn ?? job.createdOn,
          workspaceId: text(data.workspaceId),
          runId: text(data.runId),
          runStatus: null,
        } satisfies DeadLetter;
      });
    }),
  );
  const letters: DeadLetter[] = perQueue.flat();
  const runIds = [...new Set(letters.flatMap((l) => (l.runId ? [l.runId] : [])))];
  if (!runIds.length) return letters;
  const statuses = await deps.db
    .select({ id: runs.id, workspaceId: runs.workspaceId, status: runs.status })
    .from(runs)
    .where(and(inScope(scope), inArray(runs.id, runIds)));
  const byId = new Map(statuses.map((r) => [`${r.workspaceId}/${r.id}`, r.status]));
  return letters.map((l) => ({ ...l, runStatus: byId.get(`${l.workspaceId}/${l.runId}`) ?? null }));
}

/**
 * The query runners among pg-boss's registered instances, live or gone quiet: those that work
 * queues or supervise (runners start pg-boss supervising; the API and this CLI do neither). An
 * instance reports its workers at its heartbeat, so a runner that just started counts by its
 * supervision until then.
 */
export async function readRunners(queue: QueueAdmin): Promise<RunnerInstance[]> {
  const instances = await queue.getInstances();
  return instances
    .filter((i) => (i.workers.length > 0 || i.supervise) && i.stoppedOn === null)
    .map((i) => {
      const active: Record<string, number> = {};
      for (const w of i.workers) active[w.queue] = (active[w.queue] ?? 0) + w.active;
      return {
        id: i.id,
        host: i.host,
        pid: i.pid,
        active,
        heartbeatAt: i.heartbeatOn ?? null,
        quiet: !i.live,
      };
    });
}
