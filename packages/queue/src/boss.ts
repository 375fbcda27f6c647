import { PgBoss } from 'pg-boss';
import {
  type JobHandler,
  type JobHandlers,
  type JobName,
  type JobPayload,
  jobCatalog,
  jobNames,
} from './catalog';

export const QUEUE_SCHEMA = 'pgboss';

export type Queue = {
  boss: PgBoss;
  send<N extends JobName>(
    name: N,
    payload: JobPayload<N>,
    options?: { singletonKey?: string },
  ): Promise<string>;
  /**
   * A recurring job of the catalog under its own `key` (one schedule per key and job, replaced when
   * set again), stored in pg-boss, so whichever process sends each tick.
   */
  schedule<N extends JobName>(name: N, key: string, cron: string, payload: JobPayload<N>): Promise<void>;
  /** Removes the schedule `key` of a job; nothing happens when there is none. */
  unschedule(name: JobName, key: string): Promise<void>;
  /** Works one job; a worker process uses `workAll`, so none of its jobs can lack a handler. */
  work<N extends JobName>(name: N, options: { concurrency: number }, handler: JobHandler<N>): Promise<string>;
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

  const work = <N extends JobName>(name: N, workOptions: { concurrency: number }, handler: JobHandler<N>) =>
    boss.work(
      name,
      {
        batchSize: 1,
        localConcurrency: workOptions.concurrency,
        pollingIntervalSeconds: 2,
        // With NOTIFY on, polling is only a backstop; its default (30 s) is too lazy if a
        // notification is ever lost.
        notifyPollingIntervalSeconds: 5,
      },
      async (jobs) => {
        let output: unknown;
        for (const job of jobs) {
          // Parsed again on receipt: a row written to the queue by anything but `send` is refused here.
          const payload = jobCatalog[name].schema.parse(job.data) as JobPayload<N>;
          output = await handler(payload, { id: job.id, signal: job.signal });
        }
        // batchSize is 1: pg-boss stores the one handler's answer as the job's output.
        return output;
      },
    );
  const workOne = <N extends JobName>(name: N, handlers: JobHandlers) =>
    work(name, { concurrency: handlers[name].concurrency }, handlers[name].handle);

  return {
    boss,
    async send(name, payload, sendOptions) {
      const data = jobCatalog[name].schema.parse(payload);
      const id = await boss.send(
        name,
        data,
        sendOptions?.singletonKey ? { singletonKey: sendOptions.singletonKey } : {},
      );
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
