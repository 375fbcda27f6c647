import type { RunExecuteJob } from '@quarry/contracts';
import { PgBoss } from 'pg-boss';
import {
  type JobHandler,
  type JobHandlers,
  type JobName,
  type JobPayload,
  jobCatalog,
  jobNames,
  SUPERVISE_SECONDS,
} from './catalog';
import { runFairShare } from './fair-share';

export const QUEUE_SCHEMA = 'pgboss';

/**
 * A caller's own transaction, for a job sent as part of it: pg-boss runs its statements through
 * this, so the job exists exactly when the caller's change commits, and not at all if it rolls back
 * (its wake-up NOTIFY goes out at the commit too).
 */
export type QueueTx = { executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }> };

export type Queue = {
  boss: PgBoss;
  /**
   * Sends a job of the catalog. A `run.execute` job is placed by its fair share (see fair-share.ts):
   * priority by the owner's outstanding runs, grouped by its connection. `startAfterSeconds` holds it
   * back that long (a run deferred because its owner is at the active-run limit).
   */
  send<N extends JobName>(
    name: N,
    payload: JobPayload<N>,
    options?: { singletonKey?: string; startAfterSeconds?: number; tx?: QueueTx },
  ): Promise<string>;
  /**
   * A recurring job of the catalog under its own `key` (one schedule per key and job, replaced when
   * set again), stored in pg-boss, so whichever process sends each tick.
   */
  schedule<N extends JobName>(name: N, key: string, cron: string, payload: JobPayload<N>): Promise<void>;
  /** Removes the schedule `key` of a job; nothing happens when there is none. */
  unschedule(name: JobName, key: string): Promise<void>;
  /**
   * Works one job; a worker process uses `workAll`, so none of its jobs can lack a handler. Each of
   * the `concurrency` slots takes its next job as soon as it finishes one, with no poll between jobs
   * while any wait; `groupConcurrency` caps the job's group across every runner.
   */
  work<N extends JobName>(
    name: N,
    options: { concurrency: number; groupConcurrency?: number },
    handler: JobHandler<N>,
  ): Promise<string>;
  /** Works every job of the catalog, each with its handler from the map. */
  workAll(handlers: JobHandlers): Promise<void>;
  stop(options?: { graceful?: boolean; timeoutMs?: number }): Promise<void>;
};

/**
 * Starts pg-boss on Quarry's database with LISTEN/NOTIFY wake-ups (5 ms pick-up instead of the 2 s
 * default poll), and creates every queue of the catalog with its policy and dead-letter queue.
 */
export async function startQueue(url: string, options: { supervise?: boolean } = {}): Promise<Queue> {
  const boss = new PgBoss({
    connectionString: url,
    schema: QUEUE_SCHEMA,
    useListenNotify: true,
    supervise: options.supervise ?? true,
    max: 4,
    application_name: 'quarry-queue',
    // JOB-6: a run job whose heartbeat stopped (its runner died) is failed and retried at the next
    // pass; pg-boss's default pass is a minute, which with the heartbeat would exceed one.
    superviseIntervalSeconds: SUPERVISE_SECONDS,
    monitorIntervalSeconds: SUPERVISE_SECONDS,
  });
  boss.on('error', (error: unknown) => {
    process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'queue error', error: String(error) })}\n`);
  });
  await boss.start();
  for (const [name, entry] of Object.entries(jobCatalog)) {
    const { deadLetter, ...policy } = entry.queue;
    await ensureQueue(boss, deadLetter, { retentionSeconds: policy.retentionSeconds });
    await ensureQueue(boss, name, { ...policy, deadLetter });
    // Stored in the database, so every process may (re)declare it; one of them sends each tick.
    if ('schedule' in entry) await boss.schedule(name, entry.schedule, {});
  }

  const retryLimitOf = (name: JobName): number => jobCatalog[name].queue.retryLimit;
  /**
   * One pg-boss worker per slot, each knowing its own id: when its job ends it wakes itself, so it
   * fetches again at once instead of waiting out the poll. A burst drains at the runner's full
   * concurrency; once a fetch comes back empty the slot sleeps until a NOTIFY (or the backstop poll).
   */
  const work = async <N extends JobName>(
    name: N,
    workOptions: { concurrency: number; groupConcurrency?: number },
    handler: JobHandler<N>,
  ): Promise<string> => {
    const ids: string[] = [];
    for (let slot = 0; slot < workOptions.concurrency; slot += 1) {
      let self: string | undefined;
      self = await boss.work(
        name,
        {
          batchSize: 1,
          localConcurrency: 1,
          pollingIntervalSeconds: 2,
          // With NOTIFY on, polling is only a backstop; its default (30 s) is too lazy if a
          // notification is ever lost.
          notifyPollingIntervalSeconds: 5,
          ...(workOptions.groupConcurrency ? { groupConcurrency: workOptions.groupConcurrency } : {}),
        },
        async (jobs) => {
          try {
            let output: unknown;
            for (const job of jobs) {
              // Parsed again on receipt: a row written to the queue by anything but `send` is refused here.
              const payload = jobCatalog[name].schema.parse(job.data) as JobPayload<N>;
              output = await handler(payload, {
                id: job.id,
                signal: job.signal,
                retriesLeft: Math.max(0, retryLimitOf(name) - job.retryCount),
              });
            }
            // batchSize is 1: pg-boss stores the one handler's answer as the job's output.
            return output;
          } finally {
            if (self) boss.notifyWorker(self);
          }
        },
      );
      ids.push(self);
    }
    const [first] = ids;
    if (!first) throw new Error(`no worker started for ${name}`);
    return first;
  };
  const workOne = <N extends JobName>(name: N, handlers: JobHandlers) =>
    work(
      name,
      {
        concurrency: handlers[name].concurrency,
        ...(handlers[name].groupConcurrency ? { groupConcurrency: handlers[name].groupConcurrency } : {}),
      },
      handlers[name].handle,
    );

  return {
    boss,
    async send(name, payload, sendOptions) {
      const data = jobCatalog[name].schema.parse(payload);
      const tx = sendOptions?.tx;
      const id = await boss.send(name, data, {
        ...(sendOptions?.singletonKey ? { singletonKey: sendOptions.singletonKey } : {}),
        ...(sendOptions?.startAfterSeconds ? { startAfter: sendOptions.startAfterSeconds } : {}),
        ...(name === 'run.execute'
          ? await runFairShare(tx ?? boss.getDb(), QUEUE_SCHEMA, data as RunExecuteJob)
          : {}),
        ...(tx ? { db: tx } : {}),
      });
      // JOB-5: pg-boss answers null when it refused the job (a singleton already queued, a
      // missing queue): never treat that as sent.
      if (!id) throw new Error(`queue refused job ${name}`);
      return id;
    },
    async schedule(name, key, cron, payload) {
      // Parsed like a sent payload: a schedule can only ever send what `send` would.
      const data = jobCatalog[name].schema.parse(payload);
      await boss.schedule(name, cron, data, { key, tz: 'UTC' });
    },
    unschedule: (name, key) => boss.unschedule(name, key),
    work,
    async workAll(handlers) {
      for (const name of jobNames) await workOne(name, handlers);
    },
    stop: ({ graceful = true, timeoutMs = 10_000 } = {}) => boss.stop({ graceful, timeout: timeoutMs }),
  };
}

async function ensureQueue(boss: PgBoss, name: string, options: Record<string, unknown>): Promise<void> {
  const existing = await boss.getQueue(name);
  if (existing) await boss.updateQueue(name, options);
  else await boss.createQueue(name, options);
}
