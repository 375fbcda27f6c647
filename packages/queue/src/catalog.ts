import { ConnectionTestJob, RunExecuteJob, SchemaRefreshJob } from '@quarry/contracts';
import { z } from 'zod';

/** The longest a SQL cell may run before the database cancels it (statement_timeout). */
export const RUN_STATEMENT_TIMEOUT_MS = 5 * 60_000;

/**
 * A run's job is refreshed every half of this while its runner lives; a job not refreshed for this
 * long is failed by the supervisor (every SUPERVISE_SECONDS) and retried, so a runner killed
 * mid-run is noticed within HEARTBEAT + SUPERVISE seconds (JOB-2, JOB-6: within a minute).
 */
export const RUN_HEARTBEAT_SECONDS = 15;
/** How often pg-boss's supervisor looks for jobs whose heartbeat or expiry lapsed. */
export const SUPERVISE_SECONDS = 10;

/**
 * Every job Quarry sends: its payload schema and its queue policy. `send` and `work` are typed from
 * this table and parse the payload again on receipt.
 */
export const jobCatalog = {
  'run.execute': {
    schema: RunExecuteJob,
    queue: {
      // JOB-2: expiry beyond the longest statement timeout, so a live run is never re-delivered;
      // the heartbeat is what notices a dead runner, long before expiry.
      expireInSeconds: RUN_STATEMENT_TIMEOUT_MS / 1000 + 60,
      heartbeatSeconds: RUN_HEARTBEAT_SECONDS,
      // Retried when its runner died under it (heartbeat lost) or a transient fault (connection
      // refused, serialization failure) struck before any row went out; user errors end the run.
      // Backoff 1 s, 2 s, 4 s… (with jitter), at most 30 s.
      retryLimit: 3,
      retryDelay: 1,
      retryBackoff: true,
      retryDelayMax: 30,
      retentionSeconds: 60 * 60,
      deleteAfterSeconds: 60 * 60,
      deadLetter: 'run.execute.dead',
      notify: true,
    },
  },
  /** Deletes result chunks past their expires_at (item 5); runs every minute on a pg-boss schedule. */
  'run.chunks.sweep': {
    schema: z.object({}),
    schedule: '* * * * *',
    queue: {
      expireInSeconds: 5 * 60,
      retryLimit: 0,
      retryDelay: 0,
      retentionSeconds: 60 * 60,
      deleteAfterSeconds: 60 * 60,
      deadLetter: 'run.chunks.sweep.dead',
      notify: false,
    },
  },
  /**
   * "Test connection": the runner connects with the connection's secret (the API never decrypts it),
   * audits the role and answers through the job's output, which the API waits for. Never retried:
   * a person is waiting and will press the button again.
   */
  'connection.test': {
    schema: ConnectionTestJob,
    queue: {
      expireInSeconds: 60,
      retryLimit: 0,
      retryDelay: 0,
      retentionSeconds: 5 * 60,
      deleteAfterSeconds: 10 * 60,
      deadLetter: 'connection.test.dead',
      notify: true,
    },
  },
  /**
   * Reads a connection's schema into the metadata store: sent by the Refresh button and by a new
   * connection, and by each workspace connection's own pg-boss schedule (key: the connection id).
   * Retried after a runner died under it: the refresh is keyed by its id (or by the scheduled job's
   * id), so a retry carries on the same refresh (JOB-1).
   */
  'schema.refresh': {
    schema: SchemaRefreshJob,
    queue: {
      // Introspection reads in batches with a statement timeout each; a whole refresh of a very
      // large warehouse stays well inside this.
      expireInSeconds: 30 * 60,
      retryLimit: 2,
      retryDelay: 30,
      retentionSeconds: 60 * 60,
      deleteAfterSeconds: 60 * 60,
      deadLetter: 'schema.refresh.dead',
      notify: true,
    },
  },
} as const;

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = z.infer<(typeof jobCatalog)[N]['schema']>;

/** Every job name of the catalog, in its order. */
// Object.keys types as string[]; the catalog is a const literal, so its keys are exactly JobName.
export const jobNames = Object.keys(jobCatalog) as JobName[];

/**
 * What a handler is given besides the payload: the job's id, its abort signal (JOB-3), and how
 * many retries the queue has left for it after this attempt (0: a throw sends it to dead letters).
 */
export type JobContext = { id: string; signal: AbortSignal; retriesLeft: number };

/** What the handler returns is kept as the job's output (a job another process waits on). */
export type JobHandler<N extends JobName> = (payload: JobPayload<N>, job: JobContext) => Promise<unknown>;

/**
 * One handler per job of the catalog, with its concurrency. A worker passes this whole map, so a job
 * added to the catalog without a handler fails to compile instead of piling up unworked.
 */
export type JobHandlers = {
  [N in JobName]: {
    concurrency: number;
    handle: JobHandler<N>;
    /** At most this many of the job's group (`group.id` at send) active at once across every runner. */
    groupConcurrency?: number;
  };
};
