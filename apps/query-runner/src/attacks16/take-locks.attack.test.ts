import { describe, expect, it } from 'vitest';
import {
  finish,
  prng,
  type QueuedRun,
  queue,
  queueMany,
  shuffle,
  sleep,
  take,
  takeKitPerFile,
  takeLocksQuery,
  waitingOnAdvisory,
} from './take-kit';

// The take's lock set: one lock per owner and one per share (of 64) of a workspace's connections,
// taken in one order. Attacked here with JS runs listing hundreds of connections in different
// orders (a deadlock?), a run listing thousands of ids of every shape (':' and quotes in them),
// and two workspaces using the same connection ids and owner id (does one hold the other?).

const kit = takeKitPerFile({ pools: 4, max: 7 });

const HIGH = { ownerLimit: 100_000, connectionLimit: 100_000 };
const MANY = Array.from({ length: 300 }, (_, i) => `conn_${i}`);
/** Enough ids that every one of the 64 shares holds some (2,000 ids leave one empty with odds ~1e-12). */
const EVERY_SHARE = Array.from({ length: 2000 }, (_, i) => `conn_${i}`);

/** Holds `run`'s take locks in a transaction left open; `release()` commits it. */
async function holdLocksOf(run: QueuedRun) {
  const reserved = await kit.database.sql.reserve();
  await reserved.unsafe('begin');
  const q = takeLocksQuery(run);
  await reserved.unsafe(q.sql, q.params);
  const [row] = await reserved.unsafe<{ n: number }[]>(
    `select count(*)::int as n from pg_locks where pid = pg_backend_pid() and locktype = 'advisory'`,
  );
  return {
    locks: row?.n ?? 0,
    release: async () => {
      await reserved.unsafe('commit');
      reserved.release();
    },
  };
}

/** Settles within `ms`, or answers 'pending'. */
const within = <T>(p: Promise<T>, ms: number): Promise<T | 'pending'> =>
  Promise.race([p, sleep(ms).then(() => 'pending' as const)]);

describe('the lock set of takes listing many connections in different orders', () => {
  it('120 takes at once (JS runs listing 300 connections shuffled, SQL runs, three owners, two workspaces), started behind a held share: all taken, none deadlocks', async () => {
    const rand = prng(4242);
    const plan = Array.from({ length: 120 }, (_, i) => ({
      workspaceId: i % 5 === 0 ? 'workspace_dl_b' : 'workspace_dl_a',
      ownerId: `user_${i % 3}`,
      ...(i % 2
        ? { connectionId: null, connectionIds: shuffle(MANY, rand).slice(0, 50 + Math.floor(rand() * 250)) }
        : { connectionId: MANY[Math.floor(rand() * MANY.length)] as string, connectionIds: [] }),
    }));
    const list = await queueMany(kit, plan);
    // One share is held first, so that takes pile up holding some locks and waiting for others.
    const blocker = await queue(kit, {
      workspaceId: 'workspace_dl_a',
      ownerId: 'user_blocker',
      connectionId: 'conn_150',
      connectionIds: [],
    });
    const held = await holdLocksOf(blocker);
    const outcomes = Promise.allSettled(list.map((run, i) => take(kit, i, run, HIGH)));
    await sleep(300);
    expect(await waitingOnAdvisory(kit)).toBeGreaterThan(0);
    await held.release();
    const settled = await outcomes;
    const failures = settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
    expect(failures).toEqual([]);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : -1))).toEqual(list.map(() => 1));
  }, 60_000);

  it('a JS run listing 5,000 connections (":" and quotes among the ids) takes 65 locks at most, and is refused by the last one it lists being full', async () => {
    const odd = ['a:b', "o'brien", 'x:owner:y', 'runs.take:workspace_long:owner:user_long', '', ' ', 'ü:∞'];
    const ids = [
      ...odd,
      ...Array.from({ length: 5000 - odd.length - 1 }, (_, i) => `conn_long_${i}`),
      'conn_full',
    ];
    const ws = 'workspace_long';
    const long = await queue(kit, {
      workspaceId: ws,
      ownerId: 'user_long',
      connectionId: null,
      connectionIds: ids,
    });
    const held = await holdLocksOf(long);
    expect(held.locks).toBeLessThanOrEqual(65);
    await held.release();
    // conn_full at its cap (2) from other owners' runs.
    const caps = { ownerLimit: 25, connectionLimit: 2 };
    for (const owner of ['user_f1', 'user_f2']) {
      const r = await queue(kit, {
        workspaceId: ws,
        ownerId: owner,
        connectionId: 'conn_full',
        connectionIds: [],
      });
      expect(await take(kit, 0, r, caps)).toBe(1);
    }
    const began = performance.now();
    expect(await take(kit, 1, long, caps)).toBe(0);
    const refusedIn = performance.now() - began;
    // An owner id that reads like a lock key is data, not a key: a run of that owner is unaffected.
    const tricky = await queue(kit, {
      workspaceId: ws,
      ownerId: 'user_long:connections:5',
      connectionId: 'a:b',
      connectionIds: [],
    });
    expect(await take(kit, 2, tricky, caps)).toBe(1);
    expect(refusedIn).toBeLessThan(15_000);
  }, 60_000);
});

describe('two workspaces using the same connection ids and the same owner id', () => {
  it("a take in workspace B is not held by workspace A's locks, every share and the owner's held open", async () => {
    const everything = await queue(kit, {
      workspaceId: 'workspace_hold_a',
      ownerId: 'user_both',
      connectionId: null,
      connectionIds: EVERY_SHARE,
    });
    const held = await holdLocksOf(everything);
    // 64 shares and the owner: every lock workspace A's takes could want.
    expect(held.locks).toBe(65);
    try {
      const inB = await queue(kit, {
        workspaceId: 'workspace_hold_b',
        ownerId: 'user_both',
        connectionId: null,
        connectionIds: MANY,
      });
      const inA = await queue(kit, {
        workspaceId: 'workspace_hold_a',
        ownerId: 'user_other',
        connectionId: 'conn_7',
        connectionIds: [],
      });
      const takeA = take(kit, 1, inA, HIGH);
      expect(await within(take(kit, 0, inB, HIGH), 15_000)).toBe(1);
      // The lock is real: workspace A's own take waits for it.
      expect(await within(takeA, 500)).toBe('pending');
      await held.release();
      expect(await takeA).toBe(1);
    } finally {
      await held.release().catch(() => undefined);
    }
  });

  it("an owner and a connection at their caps in A do not refuse B's runs, and B's running runs do not refuse A's", async () => {
    const caps = { ownerLimit: 2, connectionLimit: 2 };
    const a = 'workspace_cap_a';
    const b = 'workspace_cap_b';
    const run = (workspaceId: string, ownerId: string, connectionId: string) =>
      queue(kit, { workspaceId, ownerId, connectionId, connectionIds: [] });
    // Owner: two running in A.
    const a1 = await run(a, 'user_cap', 'conn_o1');
    const a2 = await run(a, 'user_cap', 'conn_o2');
    expect([await take(kit, 0, a1, caps), await take(kit, 1, a2, caps)]).toEqual([1, 1]);
    expect(await take(kit, 2, await run(a, 'user_cap', 'conn_o3'), caps)).toBe(0);
    // The same owner in B: two admitted, the third refused, by B's count alone.
    const inB = [await run(b, 'user_cap', 'conn_o1'), await run(b, 'user_cap', 'conn_o2')];
    expect([
      await take(kit, 0, inB[0] as QueuedRun, caps),
      await take(kit, 1, inB[1] as QueuedRun, caps),
    ]).toEqual([1, 1]);
    expect(await take(kit, 2, await run(b, 'user_cap', 'conn_o3'), caps)).toBe(0);
    // One ends in A: A admits one more, whatever B runs.
    await finish(kit, 0, a1);
    expect(await take(kit, 3, await run(a, 'user_cap', 'conn_o4'), caps)).toBe(1);
    // Connection: conn_shared full in A (two other owners), B's runs of conn_shared still admitted.
    for (const owner of ['user_c1', 'user_c2'])
      expect(await take(kit, 0, await run(a, owner, 'conn_shared'), caps)).toBe(1);
    expect(await take(kit, 1, await run(a, 'user_c3', 'conn_shared'), caps)).toBe(0);
    // A JS run in B listing conn_shared with others.
    const js = await queue(kit, {
      workspaceId: b,
      ownerId: 'user_c3',
      connectionId: null,
      connectionIds: ['conn_x1', 'conn_shared', 'conn_x2'],
    });
    expect(await take(kit, 2, js, caps)).toBe(1);
    expect(await take(kit, 3, await run(b, 'user_c4', 'conn_shared'), caps)).toBe(1);
    expect(await take(kit, 0, await run(b, 'user_c5', 'conn_shared'), caps)).toBe(0);
  });
});
