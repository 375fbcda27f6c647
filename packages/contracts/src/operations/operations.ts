import { z } from 'zod';
import { RunId, RunStatus } from '../runs/run';
import { MAX_ID_LENGTH } from '../transport/request-limits';

/**
 * The on-call view of the query runner (issue 11 item 9): the same shapes for `pnpm quarry runner
 * status --json` (every workspace) and the Admin page (the caller's workspace only; queue depth is a
 * total, since pg-boss queues are shared by every workspace).
 */

/** One pg-boss queue of the job catalog, with its dead-letter queue. Counts only, never payloads. */
export const QueueDepth = z.object({
  queue: z.string(),
  /** Waiting to be taken (ready, deferred for a retry's delay, or blocked). */
  queued: z.number().int().min(0),
  /** Taken by a runner and not finished. */
  active: z.number().int().min(0),
  /** Waiting for a retry's delay to pass (part of `queued`). */
  deferred: z.number().int().min(0),
  /** The queue's dead-letter queue and the jobs in it (failed after every retry). */
  deadLetterQueue: z.string(),
  deadLetters: z.number().int().min(0),
});
export type QueueDepth = z.infer<typeof QueueDepth>;

/** A queued or running run. */
export const ActiveRun = z.object({
  runId: RunId,
  workspaceId: z.string(),
  status: RunStatus,
  ownerId: z.string(),
  ownerEmail: z.string().nullable(),
  /** The run's warehouse connection; null for a run of JS cells over inputs only. */
  connectionId: z.string().nullable(),
  connectionName: z.string().nullable(),
  projectId: z.string(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
});
export type ActiveRun = z.infer<typeof ActiveRun>;

/** A run that failed recently, with the typed error it ended with. */
export const RecentFailure = z.object({
  runId: RunId,
  workspaceId: z.string(),
  ownerId: z.string(),
  ownerEmail: z.string().nullable(),
  connectionId: z.string().nullable(),
  connectionName: z.string().nullable(),
  finishedAt: z.date(),
  code: z.string(),
  message: z.string(),
  /** `user` (bad SQL, a limit) or `system` (our fault): only `system` should page anyone. */
  kind: z.enum(['user', 'system']).nullable(),
});
export type RecentFailure = z.infer<typeof RecentFailure>;

/** A job that failed after every retry and sits in a dead-letter queue. */
export const DeadLetter = z.object({
  id: z.string(),
  /** The dead-letter queue it is in, and the queue it failed on. */
  queue: z.string(),
  sourceQueue: z.string().nullable(),
  createdAt: z.date(),
  workspaceId: z.string().nullable(),
  /** The run it was for (run.execute jobs), and that run's status now. */
  runId: z.string().nullable(),
  runStatus: RunStatus.nullable(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;

/** A query-runner process registered in pg-boss (CLI only: hosts are infrastructure, not a workspace's). */
export const RunnerInstance = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  /** Jobs in hand per queue at its last heartbeat. */
  active: z.record(z.string(), z.number().int()),
  heartbeatAt: z.date().nullable(),
  /** No heartbeat for three intervals: probably dead. */
  quiet: z.boolean(),
});
export type RunnerInstance = z.infer<typeof RunnerInstance>;

export const OperationsStatus = z.object({
  queues: z.array(QueueDepth),
  activeRuns: z.array(ActiveRun),
  recentFailures: z.array(RecentFailure),
  deadLetters: z.array(DeadLetter),
  /** Registered runners that work `run.execute` and are not quiet. */
  runnersOnline: z.number().int().min(0),
  at: z.date(),
});
export type OperationsStatus = z.infer<typeof OperationsStatus>;

/** The dead-letter queues of the job catalog; anything else is refused as input. */
export const DeadLetterQueueName = z
  .string()
  .max(MAX_ID_LENGTH)
  .regex(/^[a-z.]+\.dead$/, { message: 'Name a dead-letter queue (its name ends in .dead)' });

export const RetryDeadLetterInput = z.object({
  queue: DeadLetterQueueName,
  jobId: z.string().max(36).uuid({ message: 'A dead letter is named by its job id (a UUID)' }),
});
export type RetryDeadLetterInput = z.infer<typeof RetryDeadLetterInput>;

export const PurgeDeadLettersInput = z.object({ queue: DeadLetterQueueName });
export type PurgeDeadLettersInput = z.infer<typeof PurgeDeadLettersInput>;

/** How many dead letters a retry or a purge moved or deleted. */
export const DeadLetterChange = z.object({ count: z.number().int().min(0) });
export type DeadLetterChange = z.infer<typeof DeadLetterChange>;
