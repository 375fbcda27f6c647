import type { RunExecuteJob } from '@quarry/contracts';
import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { notifyChannelSql } from 'pg-boss/dist/plans.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QUEUE_SCHEMA, type Queue, startQueue } from './boss';

let database: TestDatabase;
let queue: Queue;

beforeEach(async () => {
  database = await createTestDatabase();
  queue = await startQueue(database.url, { supervise: false });
});
afterEach(async () => {
  await queue?.stop({ graceful: false, timeoutMs: 1000 });
  await database?.drop();
});

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let counter = 0;
const run = (ownerId: string, connectionId = 'con_shared'): RunExecuteJob => ({
  runId: `run_${(counter++).toString().padStart(6, '0')}`,
  workspaceId: 'wsp_fair',
  ownerId,
  connectionId,
});

describe('taking jobs during a burst', () => {
  /**
   * The backstop poll moved ten minutes out: within these tests' waits a job can reach a slot only
   * by a slot waking itself after its last job or by a notification, never by the poll. No clock is
   * read, so a loaded machine slows these tests down but cannot fail them.
   */
  const withoutPolling = async () => {
    await queue.stop({ graceful: false, timeoutMs: 1000 });
    queue = await startQueue(database.url, { supervise: false, backstopPollSeconds: 600 });
  };

  it('drains a backlog slot by slot without waiting for a poll between jobs', async () => {
    await withoutPolling();
    const jobs = Array.from({ length: 30 }, () => run('usr_burst', `con_${counter}`));
    // Sent before any worker exists: no NOTIFY is left to wake it between jobs.
    for (const job of jobs) await queue.send('run.execute', job);
    const done: string[] = [];
    await queue.work('run.execute', { concurrency: 1 }, async (payload) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      done.push(payload.runId);
    });
    // The first job comes with the slot's first fetch; each later one only if the slot fetched
    // again as soon as it finished, since the next poll is ten minutes away.
    await until(() => done.length === jobs.length, 120_000);
    expect(done).toEqual(jobs.map((j) => j.runId));
  }, 150_000);

  it('wakes an idle slot for each job sent, each job its own slot, without waiting for the poll', async () => {
    await withoutPolling();
    let holding = 0;
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const done: string[] = [];
    await queue.work('run.execute', { concurrency: 4 }, async (payload) => {
      holding += 1;
      await released;
      done.push(payload.runId);
    });
    // Let every slot come back empty from its first fetch and sleep (its next poll is far away).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const jobs = Array.from({ length: 4 }, (_, i) => run(`usr_wake_${i}`, `con_wake_${i}`));
    for (const job of jobs) await queue.send('run.execute', job);
    // Four jobs held at once means four slots woke, one per notification: a wake-up that went to
    // a slot already holding a job would leave a job for the poll, ten minutes away.
    await until(() => holding === 4, 120_000);
    release();
    await until(() => done.length === 4);
    expect([...done].sort()).toEqual(jobs.map((j) => j.runId).sort());
  }, 150_000);

  it('fetches again a second after a fetch that failed, instead of sleeping until the poll', async () => {
    await withoutPolling();
    const done: string[] = [];
    await queue.work('run.execute', { concurrency: 1 }, async (payload) => {
      done.push(payload.runId);
    });
    // Sent to start in a moment: its notification finds nothing to take yet, and the slot sleeps.
    const job = run('usr_refetch', 'con_refetch');
    await queue.send('run.execute', job, { startAfterSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // The job table locked, a wake-up: the slot's fetch waits for the lock, and is cancelled there.
    const blocker = await database.sql.reserve();
    try {
      await blocker`begin`;
      await blocker.unsafe(`lock table ${QUEUE_SCHEMA}.job in exclusive mode`);
      const [channel] = await database.sql<{ name: string }[]>`
        select ${database.sql.unsafe(notifyChannelSql(QUEUE_SCHEMA))} as name`;
      await database.sql`select pg_notify(${channel?.name ?? ''}, 'run.execute')`;
      let cancelled = false;
      for (const deadline = Date.now() + 20_000; !cancelled && Date.now() < deadline; ) {
        const [row] = await database.sql<{ n: number }[]>`
          select count(pg_cancel_backend(pid))::int as n from pg_stat_activity
          where datname = current_database() and application_name = 'quarry-queue' and wait_event_type = 'Lock'`;
        cancelled = (row?.n ?? 0) > 0;
        if (!cancelled) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(cancelled).toBe(true);
    } finally {
      await blocker`rollback`.catch(() => undefined);
      blocker.release();
    }
    // No notification is left for it and the poll is ten minutes away: only the retry takes it.
    await until(() => done.length === 1, 30_000);
    expect(done).toEqual([job.runId]);
  }, 60_000);

  it('tells the handler how many retries the queue has left for this attempt', async () => {
    const seen: number[] = [];
    await queue.work('run.execute', { concurrency: 1 }, async (_payload, job) => {
      seen.push(job.retriesLeft);
      if (seen.length < 2) throw new Error('transient');
    });
    await queue.send('run.execute', run('usr_retry'));
    await until(() => seen.length === 2);
    expect(seen).toEqual([3, 2]);
  });
});

describe('fair share between users', () => {
  it("takes another user's first run before one user's backlog", async () => {
    const backlog = Array.from({ length: 8 }, () => run('usr_a'));
    for (const job of backlog) await queue.send('run.execute', job);
    const latecomer = run('usr_b');
    await queue.send('run.execute', latecomer);
    const order: string[] = [];
    await queue.work('run.execute', { concurrency: 1 }, async (payload) => {
      order.push(payload.runId);
    });
    await until(() => order.length === backlog.length + 1);
    // usr_a's first run came first and shares priority 0 with usr_b's: it keeps its place; every
    // later run of usr_a waits behind usr_b's first.
    expect(order.indexOf(latecomer.runId)).toBe(1);
    expect(order.filter((id) => id !== latecomer.runId)).toEqual(backlog.map((j) => j.runId));
  });

  it('counts a user per workspace: the same user id in another workspace does not push them back', async () => {
    for (let i = 0; i < 3; i += 1)
      await queue.send('run.execute', { ...run('usr_c'), workspaceId: 'wsp_other' });
    await queue.send('run.execute', run('usr_c'));
    const [row] = await database.sql<{ priority: number }[]>`
      select priority from pgboss.job where name = 'run.execute' and data->>'workspaceId' = 'wsp_fair'
        and data->>'ownerId' = 'usr_c'`;
    expect(row?.priority).toBe(0);
  });
});

describe('fair share counted by the sender', () => {
  it('places a job by the outstanding runs its sender counted, without counting jobs itself', async () => {
    // Three of this owner's jobs wait already; the sender says it counted five of their runs.
    for (let i = 0; i < 3; i += 1) await queue.send('run.execute', run('usr_counted'));
    const counted = run('usr_counted');
    await queue.send('run.execute', counted, { outstanding: 5 });
    const [row] = await database.sql<{ priority: number }[]>`
      select priority from pgboss.job where name = 'run.execute' and data->>'runId' = ${counted.runId}`;
    expect(row?.priority).toBe(-5);
    // Without a count, the queue counts the owner's jobs: the four above.
    const uncounted = run('usr_counted');
    await queue.send('run.execute', uncounted);
    const [next] = await database.sql<{ priority: number }[]>`
      select priority from pgboss.job where name = 'run.execute' and data->>'runId' = ${uncounted.runId}`;
    expect(next?.priority).toBe(-4);
  });
});

describe('concurrent queries per connection', () => {
  it("holds a connection's runs past its limit in the queue while other connections' runs go ahead", async () => {
    const first = run('usr_x', 'con_busy');
    const second = run('usr_y', 'con_busy');
    const other = run('usr_z', 'con_quiet');
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const started: string[] = [];
    const finished: string[] = [];
    await queue.work('run.execute', { concurrency: 2, groupConcurrency: 1 }, async (payload) => {
      started.push(payload.runId);
      if (payload.connectionId === 'con_busy') await held;
      finished.push(payload.runId);
    });
    // One at a time, so the idle slot is the only one fetching (pg-boss checks the group's count
    // per fetch: slots fetching at the same instant can overshoot it, which the runner guards).
    await queue.send('run.execute', first);
    await until(() => started.includes(first.runId));
    for (const job of [second, other]) await queue.send('run.execute', job);
    // Two slots: one holds con_busy's first run; the other skips con_busy's second (older) run and
    // takes con_quiet's.
    await until(() => finished.includes(other.runId));
    expect([...started].sort()).toEqual([first.runId, other.runId].sort());
    expect(started).not.toContain(second.runId);
    release();
    await until(() => finished.length === 3);
    expect(finished).toContain(second.runId);
  });
});
