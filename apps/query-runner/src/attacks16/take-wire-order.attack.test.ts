import { describe, expect, it } from 'vitest';
import {
  queue,
  runningNow,
  sleep,
  take,
  takeKitPerFile,
  takeLocksQuery,
  waitingOnAdvisory,
} from './take-kit';

// The take is sent as one message (begin, locks, update, commit) by a body that asks for the lock
// statement and the update in the same turn of the event loop. Each is a lazy drizzle query that
// reaches postgres.js some microtasks after Promise.all awaits it: if the update ever reached the
// wire before the lock statement, it would run unlocked, and only its commit would wait. Here
// every take is held behind a session that holds the owner's lock; whatever the takes did before
// their lock statement is then visible in pg_locks, and the count after the release says whether
// each take counted the one before it.

const kit = takeKitPerFile({ pools: 4, max: 6 });

/** Holds the locks `run`'s take would take, in a transaction left open until `release()`. */
async function holdLocksOf(run: Awaited<ReturnType<typeof queue>>) {
  const reserved = await kit.database.sql.reserve();
  await reserved.unsafe('begin');
  const q = takeLocksQuery(run);
  await reserved.unsafe(q.sql, q.params);
  return {
    release: async () => {
      await reserved.unsafe('commit');
      reserved.release();
    },
  };
}

/** Backends of this database that wait on an advisory lock yet already hold a write lock on runs. */
async function waitersThatAlreadyWrote(): Promise<number> {
  const [row] = await kit.database.sql<{ n: number }[]>`
    select count(distinct w.pid)::int as n
    from pg_locks w
    join pg_locks r on r.pid = w.pid and r.locktype = 'relation' and r.mode = 'RowExclusiveLock'
    join pg_database d on d.oid = w.database
    where d.datname = current_database() and r.database = w.database
      and w.locktype = 'advisory' and not w.granted and r.relation = 'runs'::regclass`;
  return row?.n ?? 0;
}

describe('the take sent as one message, behind a held lock', () => {
  it('(control) a session that updated runs and then waits on the lock is seen by the check', async () => {
    const ws = 'workspace_control';
    const holder = await queue(kit, {
      workspaceId: ws,
      ownerId: 'user_c',
      connectionId: 'conn_a',
      connectionIds: [],
    });
    const other = await queue(kit, {
      workspaceId: ws,
      ownerId: 'user_c',
      connectionId: 'conn_a',
      connectionIds: [],
    });
    const held = await holdLocksOf(holder);
    const wrong = await kit.database.sql.reserve();
    try {
      await wrong.unsafe('begin');
      await wrong.unsafe(`update runs set status = 'cancelled' where id = '${other.runId}'`);
      const q = takeLocksQuery(other);
      const locking = wrong.unsafe(q.sql, q.params).execute();
      const deadline = Date.now() + 5000;
      while ((await waitingOnAdvisory(kit)) < 1 && Date.now() < deadline) await sleep(20);
      expect(await waitersThatAlreadyWrote()).toBe(1);
      await held.release();
      await locking;
    } finally {
      await wrong.unsafe('rollback');
      wrong.release();
    }
  });

  it('a take waiting for its locks has not run its update yet, and two such takes admit one under an owner cap of 1', async () => {
    const ws = 'workspace_wire1';
    const owner = 'user_wire1';
    const holder = await queue(kit, {
      workspaceId: ws,
      ownerId: owner,
      connectionId: 'conn_a',
      connectionIds: [],
    });
    const first = await queue(kit, {
      workspaceId: ws,
      ownerId: owner,
      connectionId: 'conn_b',
      connectionIds: [],
    });
    const second = await queue(kit, {
      workspaceId: ws,
      ownerId: owner,
      connectionId: 'conn_c',
      connectionIds: [],
    });
    const held = await holdLocksOf(holder);
    const caps = { ownerLimit: 1, connectionLimit: 10 };
    const takes = Promise.all([take(kit, 0, first, caps), take(kit, 1, second, caps)]);
    const deadline = Date.now() + 10_000;
    while ((await waitingOnAdvisory(kit)) < 2 && Date.now() < deadline) await sleep(20);
    expect(await waitingOnAdvisory(kit)).toBe(2);
    // Neither waiting take has written the runs table: its update was sent behind its lock statement.
    expect(await waitersThatAlreadyWrote()).toBe(0);
    await held.release();
    const taken = await takes;
    expect(taken.reduce((a, b) => a + b, 0)).toBe(1);
    expect((await runningNow(kit)).owners).toBe(1);
  });

  it('forty rounds of six takes released at once behind a held connection lock: exactly the cap (2) each time', async () => {
    const caps = { ownerLimit: 100, connectionLimit: 2 };
    for (let round = 0; round < 40; round += 1) {
      const ws = `workspace_round_${round}`;
      const holder = await queue(kit, {
        workspaceId: ws,
        ownerId: 'user_h',
        connectionId: 'conn_x',
        connectionIds: [],
      });
      const runs = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          // Half SQL runs on conn_x, half JS runs listing conn_x among others, each a distinct owner.
          queue(kit, {
            workspaceId: ws,
            ownerId: `user_${i}`,
            connectionId: i % 2 ? 'conn_x' : null,
            connectionIds: i % 2 ? [] : [`conn_other_${i}`, 'conn_x', `conn_more_${i}`],
          }),
        ),
      );
      const held = await holdLocksOf(holder);
      const takes = Promise.all(runs.map((r, i) => take(kit, i, r, caps)));
      const deadline = Date.now() + 10_000;
      while ((await waitingOnAdvisory(kit)) < 6 && Date.now() < deadline) await sleep(5);
      expect({ round, waiting: await waitingOnAdvisory(kit) }).toEqual({ round, waiting: 6 });
      expect(await waitersThatAlreadyWrote()).toBe(0);
      await held.release();
      const taken = (await takes).reduce((a, b) => a + b, 0);
      expect({ round, taken }).toEqual({ round, taken: 2 });
    }
    expect((await runningNow(kit)).connections).toBe(2);
  }, 60_000);
});
