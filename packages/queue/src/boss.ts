import type { RunExecuteJob } from '@quarry/contracts';
import { PgBoss } from 'pg-boss';
// The channel pg-boss's senders notify on; read from pg-boss itself, so it cannot drift.
import { notifyChannelSql } from 'pg-boss/dist/plans.js';
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
import { nameStatements } from './named-statements';

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
   * back that long (a run deferred because its owner is at the active-run limit). `outstanding`: the
   * owner's outstanding runs, when the caller counted them already (a start, with its other reads):
   * the queue then does not count them itself.
   */
  send<N extends JobName>(
    name: N,
    payload: JobPayload<N>,
    options?: { singletonKey?: string; startAfterSeconds?: number; tx?: QueueTx; outstanding?: number },
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

/** What pg-boss's database adapter offers for LISTEN (its own listener uses it the same way). */
type Listening = { close(): Promise<void> };
type ListeningDb = {
  executeSql(text: string): Promise<{ rows: { channel: string }[] }>;
  listen?(
    channel: string,
    onNotification: (payload: string) => void,
    onReconnect: () => void,
  ): Promise<Listening>;
};

/** How long a slot whose fetch failed waits before it fetches again (see the queue's error handler). */
const FETCH_RETRY_MS = 1_000;

/**
 * Starts pg-boss on Quarry's database and creates every queue of the catalog with its policy and
 * dead-letter queue. A process that works jobs (workAll) is woken by LISTEN/NOTIFY (a few ms
 * pick-up instead of a poll), one idle slot per notification: pg-boss's own listener wakes every
 * idle worker of the queue, so each job sent into a quiet runner cost a fetch per slot (the
 * concurrent-runs bench counted 8.2 fetches per job, each a group-count query, on two runners of
 * five slots), of which one found the job.
 */
export async function startQueue(
  url: string,
  options: {
    supervise?: boolean;
    /**
     * How often an idle slot fetches with no notification (5 s): only a backstop, should one be
     * lost. Tests set it far out to prove a job reached its slot by a wake-up, not by the poll.
     */
    backstopPollSeconds?: number;
  } = {},
): Promise<Queue> {
  const backstopPollSeconds = options.backstopPollSeconds ?? 5;
  const boss = new PgBoss({
    connectionString: url,
    schema: QUEUE_SCHEMA,
    // Senders still notify (the queues' `notify` policy); workAll listens itself (see wakeOne).
    useListenNotify: false,
    supervise: options.supervise ?? true,
    max: 4,
    application_name: 'quarry-queue',
    // JOB-6: a run job whose heartbeat stopped (its runner died) is failed and retried at the next
    // pass; pg-boss's default pass is a minute, which with the heartbeat would exceed one.
    superviseIntervalSeconds: SUPERVISE_SECONDS,
    monitorIntervalSeconds: SUPERVISE_SECONDS,
  });
  /** Each queue's slots (pg-boss worker ids), which of them hold a job now, and whose turn is next. */
  const slotsOf = new Map<string, { ids: string[]; busy: Set<string>; next: number }>();
  boss.on('error', (error: { message?: unknown; queue?: unknown; worker?: unknown }) => {
    const line = {
      level: 'error',
      msg: 'queue error',
      error: String(error?.message ?? error),
      ...(typeof error?.queue === 'string' ? { queue: error.queue } : {}),
    };
    process.stderr.write(`${JSON.stringify(line)}\n`);
    // A slot whose fetch failed (the database restarted, a connection was cut, the pool was
    // exhausted) would sleep until its next poll, with the job it was woken for left waiting
    // (10 minutes in the wake-up tests, which is how their rare CI failure looked): it tries again
    // in a second instead. Once a second per slot while the database is down, at most.
    const slots = typeof error?.queue === 'string' ? slotsOf.get(error.queue) : undefined;
    const worker = error?.worker;
    if (slots && typeof worker === 'string' && slots.ids.includes(worker)) {
      setTimeout(() => {
        if (!slots.busy.has(worker)) boss.notifyWorker(worker);
      }, FETCH_RETRY_MS).unref();
    }
  });
  // pg-boss's own diagnoses are the operator's to act on: a slow query, a backlog, a pinned
  // transaction horizon, autovacuum off (completed jobs are then never reclaimed, and the job
  // table's statistics, hence the plans of its statements, go stale as it grows). Its message and
  // kind only: what else a warning carries (job ids, a backend's pid) stays out of the log.
  boss.on('warning', (warning: { message?: unknown; data?: { type?: unknown } }) => {
    const line = {
      level: 'warn',
      msg: 'queue warning',
      warning: String(warning?.message ?? warning),
      ...(typeof warning?.data?.type === 'string' ? { type: warning.data.type } : {}),
    };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  });
  await boss.start();
  nameStatements(boss.getDb());
  for (const [name, entry] of Object.entries(jobCatalog)) {
    const { deadLetter, ...policy } = entry.queue;
    await ensureQueue(boss, deadLetter, { retentionSeconds: policy.retentionSeconds });
    await ensureQueue(boss, name, { ...policy, deadLetter });
    // Stored in the database, so every process may (re)declare it; one of them sends each tick.
    if ('schedule' in entry) await boss.schedule(name, entry.schedule, {});
  }

  const retryLimitOf = (name: JobName): number => jobCatalog[name].queue.retryLimit;

  /** Wakes one idle slot of `name`, in turn, to fetch now; none when every slot holds a job. */
  const wakeOne = (name: string) => {
    const slots = slotsOf.get(name);
    if (!slots) return;
    for (let i = 0; i < slots.ids.length; i += 1) {
      const at = (slots.next + i) % slots.ids.length;
      const id = slots.ids[at];
      if (id !== undefined && !slots.busy.has(id)) {
        slots.next = (at + 1) % slots.ids.length;
        boss.notifyWorker(id);
        return;
      }
    }
  };
  /** After the listener (re)connected, notifications may have been missed: every idle slot fetches. */
  const wakeEveryIdle = () => {
    for (const slots of slotsOf.values()) {
      for (const id of slots.ids) if (!slots.busy.has(id)) boss.notifyWorker(id);
    }
  };
  /** The listener, opened by the first `work`: only a process that works jobs needs wake-ups. */
  let listening: Promise<Listening> | null = null;
  const listen = async (): Promise<Listening> => {
    const db = boss.getDb() as unknown as ListeningDb;
    if (typeof db.listen !== 'function') throw new Error("pg-boss's database adapter offers no LISTEN");
    const { rows } = await db.executeSql(`select ${notifyChannelSql(QUEUE_SCHEMA)} as channel`);
    const channel = rows[0]?.channel;
    if (!channel) throw new Error("pg-boss's notification channel could not be read");
    return db.listen(channel, wakeOne, wakeEveryIdle);
  };
  /**
   * One pg-boss worker per slot, each knowing its own id: when its job ends it wakes itself, so it
   * fetches again at once instead of waiting out the poll. A burst drains at the runner's full
   * concurrency; once a fetch comes back empty the slot sleeps until a NOTIFY wakes it (wakeOne:
   * one slot per job sent) or the backstop poll.
   */
  const work = async <N extends JobName>(
    name: N,
    workOptions: { concurrency: number; groupConcurrency?: number },
    handler: JobHandler<N>,
  ): Promise<string> => {
    const ids: string[] = [];
    const slots = { ids, busy: new Set<string>(), next: 0 };
    slotsOf.set(name, slots);
    for (let slot = 0; slot < workOptions.concurrency; slot += 1) {
      let self: string | undefined;
      self = await boss.work(
        name,
        {
          batchSize: 1,
          localConcurrency: 1,
          // Notifications wake the slots (wakeOne); the poll is only a backstop, should one be lost.
          pollingIntervalSeconds: backstopPollSeconds,
          ...(workOptions.groupConcurrency ? { groupConcurrency: workOptions.groupConcurrency } : {}),
        },
        async (jobs) => {
          if (self) slots.busy.add(self);
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
            if (self) {
              slots.busy.delete(self);
              boss.notifyWorker(self);
            }
          }
        },
      );
      ids.push(self);
    }
    const [first] = ids;
    if (!first) throw new Error(`no worker started for ${name}`);
    listening ??= listen();
    await listening;
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
          ? await runFairShare(
              tx ?? boss.getDb(),
              QUEUE_SCHEMA,
              data as RunExecuteJob,
              sendOptions?.outstanding,
            )
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
    async stop({ graceful = true, timeoutMs = 10_000 } = {}) {
      const open = listening;
      listening = null;
      await (await open?.catch(() => null))?.close();
      await boss.stop({ graceful, timeout: timeoutMs });
    },
  };
}

async function ensureQueue(boss: PgBoss, name: string, options: Record<string, unknown>): Promise<void> {
  const existing = await boss.getQueue(name);
  if (existing) await boss.updateQueue(name, options);
  else await boss.createQueue(name, options);
}
