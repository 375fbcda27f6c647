import { runs } from '@quarry/db/schema';
import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { takeRun } from '../execute-run';
import {
  finish,
  maxOf,
  peakOf,
  peaks,
  prng,
  type QueuedRun,
  queueMany,
  runningNow,
  shuffle,
  sleep,
  spansOf,
  take,
  takeKitPerFile,
} from './take-kit';

// Takes racing from four pools (four runners' worth of connections), twenty at a time, over two
// workspaces that use the same connection ids and share an owner id: SQL runs, JS runs listing up
// to six connections in random orders (sometimes one twice), and pure JS runs. Runs end a few
// milliseconds after they are taken, and queued runs are cancelled while takes race them. The caps
// are measured twice: from the spans the database stamped (started_at, finished_at, both its
// clock), and by a sampler reading what is running, in one snapshot, every few milliseconds.

const CAPS = { ownerLimit: 4, connectionLimit: 3 };
const CONNECTIONS = Array.from({ length: 8 }, (_, i) => `conn_${i}`);

const kit = takeKitPerFile({ pools: 4, max: 7 });

function planRuns(seed: number, count: number): Omit<QueuedRun, 'runId'>[] {
  const rand = prng(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(rand() * items.length)] as T;
  return Array.from({ length: count }, () => {
    const workspaceId = `workspace_storm_${seed}_${rand() < 0.5 ? 'a' : 'b'}`;
    const ownerId = pick(['user_shared', 'user_shared', 'user_x', 'user_y']);
    const kind = rand();
    if (kind < 0.55) return { workspaceId, ownerId, connectionId: pick(CONNECTIONS), connectionIds: [] };
    if (kind < 0.95) {
      const listed = shuffle(CONNECTIONS, rand).slice(0, 1 + Math.floor(rand() * 6));
      if (rand() < 0.2) listed.push(listed[0] as string);
      return { workspaceId, ownerId, connectionId: null, connectionIds: listed };
    }
    return { workspaceId, ownerId, connectionId: null, connectionIds: [] };
  });
}

type Taker = (n: number, run: QueuedRun) => Promise<number>;
const lockedTake: Taker = (n, run) => take(kit, n, run, CAPS);
/** The admission's count without its locks (the update alone): what the locks are there to prevent. */
const unlockedTake: Taker = async (n, run) => {
  const deps = kit.deps[n % kit.deps.length];
  if (!deps) throw new Error('no pool');
  return (await takeRun(deps.db, { runId: run.runId, workspaceId: run.workspaceId }, CAPS)).length;
};

async function storm(
  seed: number,
  count: number,
  loops: number,
  budgetMs: number,
  taker: Taker = lockedTake,
) {
  const rand = prng(seed ^ 0x5eed);
  const all = await queueMany(kit, planRuns(seed, count));
  const pending = new Set(all);
  const finishing: Promise<void>[] = [];
  let sampled = { owners: 0, connections: 0 };
  let stop = false;
  const deadline = Date.now() + budgetMs;
  const errors: unknown[] = [];

  const sampler = (async () => {
    while (!stop) {
      const now = await runningNow(kit);
      sampled = {
        owners: Math.max(sampled.owners, now.owners),
        connections: Math.max(sampled.connections, now.connections),
      };
      await sleep(3);
    }
  })();

  const canceller = (async () => {
    while (!stop) {
      await sleep(25);
      const list = [...pending];
      const victim = list[Math.floor(rand() * list.length)];
      if (!victim) continue;
      const cancelled = await kit.database.db
        .update(runs)
        .set({ status: 'cancelled', finishedAt: new Date() })
        .where(and(eq(runs.id, victim.runId), eq(runs.status, 'queued')))
        .returning({ id: runs.id });
      // A cancel lands only on a queued run, as runs.cancel's does; one that lost to a take is a no-op.
      if (cancelled.length) pending.delete(victim);
    }
  })();

  const loop = async (n: number) => {
    while (pending.size > 0 && Date.now() < deadline) {
      const list = [...pending];
      const run = list[Math.floor(rand() * list.length)];
      if (!run) break;
      try {
        const taken = await taker(n, run);
        if (taken === 1) {
          pending.delete(run);
          finishing.push(sleep(Math.floor(rand() * 25)).then(() => finish(kit, n + 1, run)));
        } else {
          await sleep(1);
        }
      } catch (error) {
        errors.push(error);
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: loops }, (_, n) => loop(n)));
  await Promise.all(finishing);
  stop = true;
  await Promise.all([sampler, canceller]);
  return { all, pending, sampled, errors };
}

describe('(control) the same storm with the admission but without its locks', () => {
  it('passes a cap: the harness sees an overshoot when there is one', async () => {
    let over = 0;
    for (let attempt = 0; attempt < 5 && over <= 0; attempt += 1) {
      const { all, errors } = await storm(900 + attempt, 260, 20, 20_000, unlockedTake);
      expect(errors).toEqual([]);
      const { connections, owners } = peaks(
        await spansOf(
          kit,
          all.map((r) => r.runId),
        ),
      );
      over = Math.max(maxOf(connections)[1] - CAPS.connectionLimit, maxOf(owners)[1] - CAPS.ownerLimit);
    }
    expect(over).toBeGreaterThan(0);
  }, 60_000);
});

describe('takes racing from four pools over two workspaces', () => {
  for (const seed of [16, 1616, 161616]) {
    it(`seed ${seed}: neither cap is ever passed, every run ends, none is cancelled and taken`, async () => {
      const { all, pending, sampled, errors } = await storm(seed, 800, 20, 25_000);
      expect(errors).toEqual([]);
      expect(pending.size).toBe(0);

      const ids = all.map((r) => r.runId);
      const rows = await kit.database.db.select().from(runs).where(inArray(runs.id, ids));
      const statuses = new Map<string, number>();
      for (const r of rows) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      // Every run ended one way: succeeded once taken, or cancelled while queued and never started.
      expect([...statuses.keys()].sort()).toEqual(['cancelled', 'succeeded']);
      expect(rows.filter((r) => r.status === 'cancelled' && r.startedAt !== null)).toEqual([]);

      const spans = await spansOf(kit, ids);
      const { owners, connections } = peaks(spans);
      const worstOwner = maxOf(owners);
      const worstConnection = maxOf(connections);
      expect({ worstOwner, worstConnection, sampled }).toEqual({
        worstOwner: [worstOwner[0], Math.min(worstOwner[1], CAPS.ownerLimit)],
        worstConnection: [worstConnection[0], Math.min(worstConnection[1], CAPS.connectionLimit)],
        sampled: {
          owners: Math.min(sampled.owners, CAPS.ownerLimit),
          connections: Math.min(sampled.connections, CAPS.connectionLimit),
        },
      });
      // The storm pressed on both caps: each was reached.
      expect(worstOwner[1]).toBe(CAPS.ownerLimit);
      expect(worstConnection[1]).toBe(CAPS.connectionLimit);
      // And the workspaces did not hold each other: the shared owner ran more than one workspace's
      // cap at once over both, and a connection id more than its cap over both.
      const shared = peakOf(spans.filter((s) => s.ownerId === 'user_shared')).peak;
      expect(shared).toBeGreaterThan(CAPS.ownerLimit);
      const acrossConnection = Math.max(
        ...CONNECTIONS.map((c) => peakOf(spans.filter((s) => s.connections.includes(c))).peak),
      );
      expect(acrossConnection).toBeGreaterThan(CAPS.connectionLimit);
    }, 60_000);
  }
});
