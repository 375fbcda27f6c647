import { createTestWarehouse, holdAdvisoryGate, type TestWarehouse } from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST as LOOPBACK } from '@quarry/net-policy';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cellsOf, copied } from '../testing/copy-events';
import type { PostgresConfig, StreamOptions } from '../types';
import { type PassthroughEvent, streamPostgresCopy } from './copy-stream';
import { createPostgresSessionPool, type PostgresSessionPool } from './session-pool';
import { parsePostgresSessionKey } from './stream';

let warehouse: TestWarehouse;
let admin: postgres.Sql;
let config: PostgresConfig;
let pool: PostgresSessionPool;

beforeAll(async () => {
  warehouse = await createTestWarehouse({ orders: 2_000 });
  admin = postgres(warehouse.adminUrl, { max: 2, onnotice: () => {} });
  config = { ...warehouse.settings, password: warehouse.reader.password };
}, 60_000);

afterAll(async () => {
  await admin?.end({ timeout: 5 });
  await warehouse?.drop();
});

afterEach(async () => {
  await pool?.close();
});

const defaults = (): StreamOptions => ({
  rowLimit: 100_000,
  timeoutMs: 10_000,
  allow: LOOPBACK,
  tag: `quarry-run:run_${Math.random().toString(36).slice(2)}`,
  sessions: pool,
});

/** A run's events and the backend pid its session reported before the statement. */
async function run(
  text: string,
  params: readonly (string | number | boolean | null)[] = [],
  options: Partial<StreamOptions> = {},
): Promise<{ events: PassthroughEvent[]; pid: number }> {
  let pid = -1;
  const events: PassthroughEvent[] = [];
  const stream = streamPostgresCopy(config, text, params, {
    ...defaults(),
    ...options,
    onSession: async (key) => {
      pid = parsePostgresSessionKey(key)?.pid ?? -1;
    },
  });
  for await (const event of stream) events.push(event);
  return { events, pid };
}

const last = (events: PassthroughEvent[]) => events.at(-1);

/** Until the pool holds `n` idle sessions (a session comes back after its reset, in the background). */
async function idleSessions(n: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (pool.stats().idle !== n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(pool.stats().idle).toBe(n);
}

async function backend(pid: number) {
  const [row] = await admin<{ application_name: string; state: string }[]>`
    select application_name, state from pg_stat_activity where pid = ${pid}`;
  return row ?? null;
}

describe('the warehouse session pool', () => {
  it('gives a second run the first run’s session, reset, with its rows exact', async () => {
    pool = createPostgresSessionPool();
    const first = await run('select id, total from orders where id <= 3 order by id');
    await idleSessions(1);
    const second = await run('select id, total from orders where id between 4 and 5 order by id');

    expect(last(first.events)).toEqual({ type: 'end', rowCount: 3, truncated: false });
    expect(second.pid).toBe(first.pid);
    expect(copied(second.events)).toBeGreaterThan(0);
    expect(cellsOf(second.events).map((row) => row[0])).toEqual(['4', '5']);
    expect(last(second.events)).toEqual({ type: 'end', rowCount: 2, truncated: false });
    expect(pool.stats()).toMatchObject({ opened: 1, reused: 1 });
  });

  it('opens a session per run without a pool, as before', async () => {
    pool = createPostgresSessionPool();
    const first = await run('select 1', [], { sessions: undefined });
    const second = await run('select 2', [], { sessions: undefined });
    expect(second.pid).not.toBe(first.pid);
    expect(pool.stats()).toMatchObject({ opened: 0, reused: 0, idle: 0 });
  });

  it('leaves nothing a run set in the session to the next run: settings, roles, advisory locks, prepared statements', async () => {
    pool = createPostgresSessionPool();
    const first = await run(
      `select set_config('quarry.left_behind', 'secret of run one', false) as s,
              set_config('work_mem', '7MB', false) as w,
              pg_advisory_lock(424242) as l`,
    );
    expect(last(first.events)).toMatchObject({ type: 'end', rowCount: 1 });
    await idleSessions(1);
    const locks = await admin<{ n: number }[]>`
      select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = 424242`;
    expect(locks[0]?.n).toBe(0);

    const second = await run(
      `select current_setting('quarry.left_behind', true) as s, current_setting('work_mem') as w,
              current_user as u, pg_try_advisory_lock(424242) as free`,
    );
    expect(second.pid).toBe(first.pid);
    const [row] = cellsOf(second.events);
    expect(row?.[0] ?? '').toBe('');
    expect(row?.[1]).not.toBe('7MB');
    expect(row?.[2]).toBe(warehouse.reader.username);
    expect(row?.[3]).toBe(true);
  });

  it('names the session for the run while it runs, and for the runner once it is back in the pool', async () => {
    pool = createPostgresSessionPool();
    const tag = 'quarry-run:run_named';
    let during: { application_name: string } | null = null;
    let pid = -1;
    // The run waits on a lock the test holds, so it is still running whenever the test looks.
    const gate = await holdAdvisoryGate(warehouse.adminUrl);
    const stream = streamPostgresCopy(config, `select ${gate.sql}, 1`, [], {
      ...defaults(),
      tag,
      onSession: async (key) => {
        pid = parsePostgresSessionKey(key)?.pid ?? -1;
      },
    });
    const events: PassthroughEvent[] = [];
    const watching = (async () => {
      try {
        while (pid < 0 || (await backend(pid))?.state !== 'active') {
          await new Promise((r) => setTimeout(r, 5));
        }
        during = await backend(pid);
      } finally {
        await gate.open();
      }
    })();
    for await (const event of stream) events.push(event);
    await watching;
    expect(last(events)).toMatchObject({ type: 'end', rowCount: 1 });
    expect(during).toMatchObject({ application_name: tag });
    await idleSessions(1);
    expect(await backend(pid)).toMatchObject({ application_name: 'quarry-runner', state: 'idle' });
  });

  it('never gives another run a session a cancel went to, nor one whose result was cut at its row limit', async () => {
    pool = createPostgresSessionPool();
    const controller = new AbortController();
    const cancelled = streamPostgresCopy(config, 'select pg_sleep(5), 1', [], {
      ...defaults(),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 200);
    const cancelledEvents: PassthroughEvent[] = [];
    for await (const event of cancelled) cancelledEvents.push(event);
    expect(last(cancelledEvents)).toMatchObject({ type: 'error' });

    const truncated = await run('select id from orders order by id', [], { rowLimit: 10 });
    expect(last(truncated.events)).toEqual({ type: 'end', rowCount: 10, truncated: true });

    await new Promise((r) => setTimeout(r, 200));
    expect(pool.stats()).toMatchObject({ opened: 2, reused: 0, idle: 0 });
    const next = await run('select 1');
    expect(next.pid).not.toBe(truncated.pid);
    expect(pool.stats()).toMatchObject({ opened: 3, reused: 0 });
  });

  it('never keeps a session whose statement failed midway, nor one a reader stopped reading', async () => {
    pool = createPostgresSessionPool();
    // Rows go out, then the statement fails on the server (division by zero at the 1500th row).
    const failed = await run('select 1 / (1500 - g) from generate_series(1, 3000) g', [], { batchSize: 100 });
    expect(last(failed.events)).toMatchObject({ type: 'error', error: { details: { sqlstate: '22012' } } });
    expect(copied(failed.events)).toBeGreaterThan(0);

    // A reader that leaves after the first batch: the generator is closed midway.
    let leftPid = -1;
    const stream = streamPostgresCopy(config, 'select g from generate_series(1, 200000) g', [], {
      ...defaults(),
      batchSize: 100,
      onSession: async (key) => {
        leftPid = parsePostgresSessionKey(key)?.pid ?? -1;
      },
    });
    for await (const event of stream) if (event.type === 'copy') break;

    await new Promise((r) => setTimeout(r, 300));
    expect(pool.stats()).toMatchObject({ opened: 2, reused: 0, idle: 0 });
    // Nothing of the left query runs on at the server.
    const deadline = Date.now() + 5_000;
    while ((await backend(leftPid))?.state === 'active' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect((await backend(leftPid))?.state ?? 'gone').not.toBe('active');
    const next = await run('select 1');
    expect([failed.pid, leftPid]).not.toContain(next.pid);
  });

  it('never keeps a session whose result tripped the byte limit', async () => {
    pool = createPostgresSessionPool();
    const tripped = await run("select repeat('x', 5000)", [], {
      limits: { maxValueBytes: 1000, maxResultBytes: 1_000_000 },
    });
    expect(last(tripped.events)).toMatchObject({ type: 'error' });
    await new Promise((r) => setTimeout(r, 100));
    expect(pool.stats().idle).toBe(0);
  });

  it('arms each run with its own byte limits, whatever the session read before', async () => {
    pool = createPostgresSessionPool();
    const limits = { maxValueBytes: 100_000, maxResultBytes: 30_000 };
    const first = await run("select repeat('y', 20000)", [], { limits });
    expect(last(first.events)).toMatchObject({ type: 'end', rowCount: 1 });
    await idleSessions(1);
    // 20,000 bytes more: over the limit for one run, within it for a run of its own.
    const second = await run("select repeat('z', 20000)", [], { limits });
    expect(second.pid).toBe(first.pid);
    expect(last(second.events)).toMatchObject({ type: 'end', rowCount: 1 });
  });

  it('never keeps a session that ran a prepare step (a reader’s identity must not outlive its run)', async () => {
    pool = createPostgresSessionPool();
    const prepare = async (query: (text: string, values: readonly string[]) => Promise<unknown>) => {
      await query("select set_config('quarry.reader', $1, true)", ['someone@example.test']);
    };
    const first = await run("select current_setting('quarry.reader')", [], { prepare });
    const second = await run("select current_setting('quarry.reader')", [], { prepare });
    expect(cellsOf(first.events)).toEqual([['someone@example.test']]);
    expect(second.pid).not.toBe(first.pid);
    expect(pool.stats()).toMatchObject({ opened: 0, reused: 0, idle: 0 });
  });

  it('keeps sessions apart by connection settings: another password never gets a kept session', async () => {
    pool = createPostgresSessionPool();
    const first = await run('select 1');
    await idleSessions(1);
    const wrong: PassthroughEvent[] = [];
    for await (const event of streamPostgresCopy(
      { ...config, password: 'not the password' },
      'select 1',
      [],
      defaults(),
    ))
      wrong.push(event);
    expect(last(wrong)).toMatchObject({ type: 'error', error: { code: 'connector.auth_failed' } });
    expect(first.pid).toBeGreaterThan(0);
    expect(pool.stats()).toMatchObject({ opened: 2, reused: 0, idle: 1 });
  });

  it('opens a new session when the server ended a kept one while it idled', async () => {
    pool = createPostgresSessionPool();
    const first = await run('select 1');
    await idleSessions(1);
    await admin`select pg_terminate_backend(${first.pid})`;
    // pg_terminate_backend only signals: the run below must come after the backend is gone.
    const deadline = Date.now() + 15_000;
    while ((await backend(first.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await backend(first.pid)).toBeNull();
    // A backend leaves pg_stat_activity just before its process exits and its socket closes; the
    // pool learns of the close from the socket, which nothing here can watch, so give it a moment.
    await new Promise((r) => setTimeout(r, 300));
    const second = await run('select 2 as n');
    expect(last(second.events)).toEqual({ type: 'end', rowCount: 1, truncated: false });
    expect(cellsOf(second.events)).toEqual([[2]]);
    expect(second.pid).not.toBe(first.pid);
    // The pool saw the socket close and opened a session of its own, rather than handing out the
    // dead one for the driver to reconnect unseen (outside the socket watch that guards its bytes).
    expect(pool.stats()).toMatchObject({ opened: 2, reused: 0 });
  });

  it('ends every idle session when closed', async () => {
    pool = createPostgresSessionPool();
    const runs = await Promise.all([run('select 1'), run('select 2'), run('select 3')]);
    await idleSessions(3);
    await pool.close();
    const pids = runs.map((r) => r.pid);
    const deadline = Date.now() + 5_000;
    let left = pids.length;
    while (left > 0 && Date.now() < deadline) {
      const [row] = await admin<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity where pid = any(${pids})`;
      left = row?.n ?? 0;
      if (left > 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(left).toBe(0);
  });

  it('keeps at most its bound of idle sessions in all, ending the one idle longest, whatever the connections', async () => {
    pool = createPostgresSessionPool({ maxIdle: 2 });
    // Three connections' settings (three databases of one server would do as well: each is a key).
    const other = (n: number): PostgresConfig => ({ ...config, database: `${config.database}_${n}` });
    await admin.unsafe(`create database "${other(1).database}" owner "${warehouse.reader.username}"`);
    await admin.unsafe(`create database "${other(2).database}" owner "${warehouse.reader.username}"`);
    try {
      const runIn = async (target: PostgresConfig) => {
        let pid = -1;
        for await (const event of streamPostgresCopy(target, 'select 1', [], {
          ...defaults(),
          onSession: async (key) => {
            pid = parsePostgresSessionKey(key)?.pid ?? -1;
          },
        }))
          expect(event.type).not.toBe('error');
        return pid;
      };
      const first = await runIn(config);
      await idleSessions(1);
      const second = await runIn(other(1));
      await idleSessions(2);
      await runIn(other(2));
      await idleSessions(2);
      // The first connection's session, idle longest, was ended to keep the third's.
      const deadline = Date.now() + 5_000;
      while ((await backend(first)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await backend(first)).toBeNull();
      expect(await backend(second)).toMatchObject({ state: 'idle' });
    } finally {
      await pool.close();
      for (const n of [1, 2])
        await admin.unsafe(`drop database if exists "${other(n).database}" with (force)`);
    }
  });

  it('ends a session idle past its time', async () => {
    pool = createPostgresSessionPool({ idleMs: 50 });
    const first = await run('select 1');
    await idleSessions(1);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(pool.stats().idle).toBe(0);
    const second = await run('select 1');
    expect(second.pid).not.toBe(first.pid);
  });
});
