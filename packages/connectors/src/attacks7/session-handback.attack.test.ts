import { createTestWarehouse, holdAdvisoryGate, type TestWarehouse } from '@quarry/db/testing';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { streamPostgresCopy } from '../postgres/copy-stream';
import { createPostgresSessionPool, type PostgresSessionPool } from '../postgres/session-pool';
import { parsePostgresSessionKey } from '../postgres/stream';
import type { PostgresConfig } from '../types';
import {
  backendOf,
  idleSessions,
  type RunOutcome,
  runCopy,
  runnerSessionsSettled,
  runOptions,
  sleep,
} from './pool-attack-helpers';

// Runs that end in every way but a clean finish (cancelled at various moments, left early, cut at
// their row limit, failed, timed out) must never hand a session on that is not idle, nor one a
// cancel went to; and nothing of an earlier run may stop a later run's query.
let warehouse: TestWarehouse;
let admin: postgres.Sql;
let config: PostgresConfig;
let pool: PostgresSessionPool;

beforeAll(async () => {
  warehouse = await createTestWarehouse({ orders: 50 });
  admin = postgres(warehouse.adminUrl, { max: 3, onnotice: () => {} });
  config = { ...warehouse.settings, password: warehouse.reader.password };
}, 60_000);

afterEach(async () => {
  await pool?.close();
});

afterAll(async () => {
  await admin?.end({ timeout: 5 });
  await warehouse?.drop();
});

/** A run that takes a while at the server: if anything cancels its session, it ends in an error. */
const VICTIM = 'select 42 as answer from pg_sleep(0.3)';

async function victimRun(): Promise<RunOutcome> {
  const victim = await runCopy(config, VICTIM, runOptions(pool));
  expect(victim.last).toEqual({ type: 'end', rowCount: 1, truncated: false });
  expect(victim.rows).toEqual([[42]]);
  return victim;
}

/** Every session the pool holds idle is idle at the server, outside any transaction, named for the runner. */
async function poolSessionsIdle(): Promise<void> {
  const { sessions, idle } = await runnerSessionsSettled(admin, warehouse.reader.database, pool);
  expect(sessions.length).toBe(idle);
  for (const session of sessions) expect(session.state).toBe('idle');
}

describe('which sessions come back to the pool', () => {
  it('hands on no session of a run aborted at any moment, and no later run is cancelled by such an abort', async () => {
    pool = createPostgresSessionPool();
    const cancelledPids = new Set<number>();
    const victims: number[] = [];
    for (const delay of [0, 1, 2, 4, 8, 16, 32, 64, 128]) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), delay);
      const aborted = await runCopy(config, 'select g from generate_series(1, 400000) g', {
        ...runOptions(pool, { batchSize: 1000 }),
        signal: controller.signal,
      });
      clearTimeout(timer);
      if (aborted.last?.type === 'error') {
        expect(aborted.last.error.code).toBe('run.cancelled');
        if (aborted.pid > 0) cancelledPids.add(aborted.pid);
      }
      victims.push((await victimRun()).pid);
    }
    expect(cancelledPids.size).toBeGreaterThan(0);
    for (const pid of victims) expect(cancelledPids.has(pid)).toBe(false);
    await poolSessionsIdle();
  });

  it('hands on no session of a run whose reader aborted on seeing columns, a batch, or the end', async () => {
    pool = createPostgresSessionPool();
    const cancelledPids = new Set<number>();
    for (const on of ['columns', 'copy', 'end'] as const) {
      const controller = new AbortController();
      let pid = -1;
      const events: string[] = [];
      for await (const event of streamPostgresCopy(config, 'select g from generate_series(1, 5000) g', [], {
        ...runOptions(pool, { batchSize: 100 }),
        signal: controller.signal,
        onSession: async (key) => {
          pid = parsePostgresSessionKey(key)?.pid ?? -1;
        },
      })) {
        events.push(event.type);
        if (event.type === on) controller.abort();
      }
      // An abort that came with the end was still sent to the server: the session is not handed on.
      cancelledPids.add(pid);
      const victim = await victimRun();
      expect(cancelledPids.has(victim.pid)).toBe(false);
    }
    await poolSessionsIdle();
  });

  it('hands on a session only from a reader that read to the end, whatever event it left at', async () => {
    pool = createPostgresSessionPool();
    const full = await runCopy(
      config,
      'select g from generate_series(1, 3000) g',
      runOptions(undefined, { batchSize: 500 }),
    );
    const total = full.events.length;
    const leftEarly = new Set<number>();
    for (let stop = 1; stop <= total; stop += 1) {
      const run = await runCopy(config, 'select g from generate_series(1, 3000) g', {
        ...runOptions(pool, { batchSize: 500 }),
        stopAfter: stop,
      });
      if (run.last?.type !== 'end') leftEarly.add(run.pid);
      const victim = await victimRun();
      expect(leftEarly.has(victim.pid)).toBe(false);
    }
    expect(leftEarly.size).toBe(total - 1);
    await poolSessionsIdle();
  });

  it('keeps a session whose result fit its row limit exactly, and none that was cut one row short', async () => {
    pool = createPostgresSessionPool();
    const exact = await runCopy(
      config,
      'select g from generate_series(1, 50) g',
      runOptions(pool, { rowLimit: 50 }),
    );
    expect(exact.last).toEqual({ type: 'end', rowCount: 50, truncated: false });
    await idleSessions(pool, 1);
    const cut = await runCopy(
      config,
      'select g from generate_series(1, 50) g',
      runOptions(pool, { rowLimit: 49 }),
    );
    expect(cut.pid).toBe(exact.pid);
    expect(cut.last).toEqual({ type: 'end', rowCount: 49, truncated: true });
    const victim = await victimRun();
    expect(victim.pid).not.toBe(cut.pid);
    await poolSessionsIdle();
  });

  it('hands on no session whose statement hit its timeout, and the next run is not stopped', async () => {
    pool = createPostgresSessionPool();
    const timedOut = await runCopy(config, 'select 1 from pg_sleep(2)', runOptions(pool, { timeoutMs: 300 }));
    expect(timedOut.last).toMatchObject({ type: 'error', error: { code: 'sql.timeout' } });
    const first = await victimRun();
    const second = await victimRun();
    expect([first.pid, second.pid]).not.toContain(timedOut.pid);
    await poolSessionsIdle();
  });

  it('hands on an idle session after a statement whose describe waited on a lock until its timeout', async () => {
    pool = createPostgresSessionPool();
    const locker = await admin.reserve();
    try {
      await locker`begin`;
      await locker`lock table orders in access exclusive mode`;
      const blocked = await runCopy(
        config,
        'select count(*) from orders',
        runOptions(pool, { timeoutMs: 400 }),
      );
      expect(blocked.last).toMatchObject({ type: 'error', error: { code: 'sql.timeout' } });
    } finally {
      await locker`rollback`;
      locker.release();
    }
    await poolSessionsIdle();
    const after = await runCopy(config, 'select count(*)::int as n from orders', runOptions(pool));
    expect(after.rows).toEqual([[50]]);
    await poolSessionsIdle();
  });

  // Was a hole (JOB-3, not the pool's own): the abort listener was attached only once the statement
  // was described, so a run aborted while its describe waited on a lock sent no cancel and ran on
  // until its statement timeout (5 minutes in the runner). The describe is cancelled now.
  it('stops promptly a run aborted while its statement’s describe waits on a lock', async () => {
    pool = createPostgresSessionPool();
    const locker = await admin.reserve();
    try {
      await locker`begin`;
      await locker`lock table orders in access exclusive mode`;
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      const started = Date.now();
      const aborted = await runCopy(config, 'select count(*) from orders', {
        // Far beyond the bound below: a query the abort did not reach would run this long.
        ...runOptions(pool, { timeoutMs: 60_000 }),
        signal: controller.signal,
      });
      const took = Date.now() - started;
      expect(aborted.last).toMatchObject({ type: 'error', error: { code: 'run.cancelled' } });
      expect(took).toBeLessThan(10_000);
    } finally {
      await locker`rollback`;
      locker.release();
    }
  });

  it('serves many parallel runs, half aborted at random, with each run’s own values and no stray cancel', async () => {
    pool = createPostgresSessionPool({ maxIdlePerKey: 4 });
    const round = async (i: number) => {
      const controller = new AbortController();
      if (i % 2 === 0) setTimeout(() => controller.abort(), Math.floor(Math.random() * 40));
      return runCopy(config, 'select g from generate_series(1, 100000) g', {
        ...runOptions(pool, { batchSize: 1000 }),
        signal: controller.signal,
      });
    };
    const first = await Promise.all(Array.from({ length: 16 }, (_, i) => round(i)));
    const cancelled = new Set(first.filter((r) => r.last?.type === 'error').map((r) => r.pid));
    const second = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        runCopy(config, 'select $1::int as i from pg_sleep(0.2)', { ...runOptions(pool), params: [i] }),
      ),
    );
    second.forEach((run, i) => {
      expect(run.last).toEqual({ type: 'end', rowCount: 1, truncated: false });
      expect(run.rows).toEqual([[i]]);
      expect(cancelled.has(run.pid)).toBe(false);
    });
    await poolSessionsIdle();
  });
});

describe('what an earlier run can still reach of a kept session', () => {
  it('leaves no session named for a finished run (a cancel by the run’s tag finds nothing)', async () => {
    pool = createPostgresSessionPool();
    const first = await runCopy(config, 'select 1', runOptions(pool, { tag: 'quarry-run:run_first' }));
    await idleSessions(pool, 1);
    // The second run waits on an advisory lock the test holds, so it is still running whenever the
    // test looks (no clock decides it); the wait shows it executing, past its describe.
    const gate = await holdAdvisoryGate(warehouse.adminUrl);
    const second = runCopy(
      config,
      `select 42 as answer from (select ${gate.sql}) s`,
      runOptions(pool, { tag: 'quarry-run:run_second' }),
    );
    try {
      const deadline = Date.now() + 15_000;
      let waiting: { pid: number }[] = [];
      while (waiting.length === 0 && Date.now() < deadline) {
        waiting = await admin<{ pid: number }[]>`
          select pid from pg_stat_activity
          where datname = ${warehouse.reader.database} and state = 'active'
            and wait_event_type = 'Lock' and wait_event = 'advisory'`;
        if (waiting.length === 0) await sleep(20);
      }
      expect(waiting).toEqual([{ pid: first.pid }]);
      const named = await admin<{ pid: number; application_name: string }[]>`
        select pid, application_name from pg_stat_activity
        where application_name like 'quarry-run:run_%' and datname = ${warehouse.reader.database}`;
      expect(named).toEqual([{ pid: first.pid, application_name: 'quarry-run:run_second' }]);
    } finally {
      await gate.open();
    }
    const done = await second;
    expect(done.last).toEqual({ type: 'end', rowCount: 1, truncated: false });
    expect(done.rows).toEqual([[42]]);
  });

  // Was a hole: the key a run hands out through `onSession` (sealed into runs.session_key for
  // JOB-6's orphan cancel) is the backend's pid and secret, which live on in the pool, so a cancel
  // by a finished run's stored key stopped whichever run the kept session served next. A kept
  // session now goes back to the pool only once the runs that stored its key let go of it
  // (`keepSessionAfter`: the runner resolves it once the run's end, which clears the key, is
  // recorded), and is ended when that fails.
  it('keeps a session for another run only after the run that stored its key let go of it', async () => {
    pool = createPostgresSessionPool();
    let letGo: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    const finished = await runCopy(config, 'select 1', {
      ...runOptions(pool),
      keepSessionAfter: () => released,
    });
    expect(finished.last).toMatchObject({ type: 'end' });
    await sleep(300);
    // Still held: a run now opens a session of its own, and the finished run's key names no
    // session another run uses.
    expect(pool.stats().idle).toBe(0);
    const meanwhile = await runCopy(config, 'select 2', runOptions(undefined));
    expect(meanwhile.pid).not.toBe(finished.pid);
    letGo();
    await idleSessions(pool, 1);
    const later = await runCopy(config, 'select 3', runOptions(pool));
    expect(later.pid).toBe(finished.pid);
  });

  it('ends a session whose run could not let go of its key, rather than keep it', async () => {
    pool = createPostgresSessionPool();
    const failed = await runCopy(config, 'select 1', {
      ...runOptions(pool),
      keepSessionAfter: () => Promise.reject(new Error('the run end was not recorded')),
    });
    expect(failed.last).toMatchObject({ type: 'end' });
    await sleep(300);
    expect(pool.stats().idle).toBe(0);
    const deadline = Date.now() + 5_000;
    while ((await backendOf(admin, failed.pid)) && Date.now() < deadline) await sleep(50);
    expect(await backendOf(admin, failed.pid)).toBeNull();
  });
});
