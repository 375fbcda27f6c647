import { describe, expect, it } from 'vitest';
import type { RunningWorker } from '../worker';
import {
  allEnded,
  kitPerFile,
  newMember,
  peak,
  querying,
  queueJsRun,
  queueSqlRun,
  rowsOf,
  startRunner,
} from './kit';

// Attacks on 26fb928: a JS cell's run holds a place in the cap (QUARRY_CONNECTION_QUERY_LIMIT) of
// every connection its SQL steps read. Real runner workers, the real queue and database; overlap
// measured from the runs' started_at / finished_at.

const kit = kitPerFile({ second: true });
const member = () => newMember(kit);

async function stopAll(runners: RunningWorker[]) {
  await Promise.all(runners.map((r) => r.stop()));
}

describe("a JS cell's run under the caps of the connections it reads", () => {
  it('JS runs reading A and B, mixed with SQL runs on A and on B and pure JS runs, two runners: never more than 2 on A or B, all succeed', async () => {
    const [A, B] = [kit.ws.connectionId, kit.second];
    const sleep = 'select 1 as n from (select pg_sleep(0.4)) s';
    const ids = {
      jsAB: [] as string[],
      jsBA: [] as string[],
      sqlA: [] as string[],
      sqlB: [] as string[],
      pure: [] as string[],
    };
    // Interleaved, each by its own owner (the per-user cap stays out of the way).
    for (let i = 0; i < 5; i += 1) {
      ids.jsAB.push(await queueJsRun(kit, await member(), [A, B], sleep));
      ids.sqlA.push(await queueSqlRun(kit, await member(), A, sleep));
      ids.sqlB.push(await queueSqlRun(kit, await member(), B, sleep));
      if (i < 3) ids.jsBA.push(await queueJsRun(kit, await member(), [B, A], sleep));
      if (i < 3) ids.pure.push(await queueJsRun(kit, await member(), [], sleep));
    }
    const all = Object.values(ids).flat();
    const env = { QUARRY_RUNNER_CONCURRENCY: '6', QUARRY_CONNECTION_QUERY_LIMIT: '2' };
    const runners = await Promise.all([startRunner(kit, env, 'r1'), startRunner(kit, env, 'r2')]);
    try {
      const rows = await allEnded(kit, all, 50_000);
      expect(rows.filter((r) => r.status !== 'succeeded').map((r) => [r.id, r.status, r.error])).toEqual([]);
      const onA = querying(rows, A);
      const onB = querying(rows, B);
      expect(onA).toHaveLength(13);
      expect(onB).toHaveLength(13);
      expect(peak(onA)).toBeLessThanOrEqual(2);
      expect(peak(onB)).toBeLessThanOrEqual(2);
      // The cap was pressed on (12 slots, 26 runs on the two connections).
      expect(Math.max(peak(onA), peak(onB))).toBe(2);

      // Every job of a JS run that reads a connection lists them, the ones re-sent after a
      // "must wait" too. The first is grouped under the first of them; a re-sent one under the
      // connection it waited for (see untakenRun), which is one of them.
      const jobs = await kit.database.sql<
        { runId: string; data: Record<string, unknown>; group: string | null; original: boolean }[]
      >`
        select data->>'runId' as "runId", data, group_id as "group",
          created_on = min(created_on) over (partition by data->>'runId') as original
        from pgboss.job
        where name = 'run.execute' and data->>'runId' = any(${[...ids.jsAB, ...ids.jsBA]}::text[])`;
      const resent = jobs.filter((job) => !job.original);
      expect(resent.length).toBeGreaterThan(0);
      for (const job of jobs) {
        const ab = ids.jsAB.includes(job.runId);
        expect(job.data).toMatchObject({ connectionIds: ab ? [A, B] : [B, A] });
        expect(job.data.connectionId).toBe(job.group);
        if (job.original) expect(job.group).toBe(ab ? A : B);
        else expect([A, B]).toContain(job.group);
      }
    } finally {
      await stopAll(runners);
    }
  }, 90_000);

  it('a JS run that reads no connection is never held by a saturated connection (cap 1)', async () => {
    const A = kit.ws.connectionId;
    const runner = await startRunner(kit, {
      QUARRY_RUNNER_CONCURRENCY: '6',
      QUARRY_CONNECTION_QUERY_LIMIT: '1',
    });
    try {
      const long = await queueSqlRun(kit, await member(), A, 'select 1 as n from (select pg_sleep(6)) s');
      const deadline = Date.now() + 15_000;
      while ((await rowsOf(kit, [long]))[0]?.status !== 'running') {
        if (Date.now() > deadline) throw new Error('the long run never started');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const onA = await queueJsRun(kit, await member(), [A], 'select 1 as n');
      const pure = await Promise.all([1, 2, 3].map(async () => queueJsRun(kit, await member(), [], '')));
      const pureRows = await allEnded(kit, pure, 20_000);
      expect(pureRows.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      const [longRow] = await allEnded(kit, [long], 20_000);
      const [onARow] = await allEnded(kit, [onA], 20_000);
      const longEnd = longRow?.finishedAt?.getTime() ?? 0;
      // The pure JS runs ended while A's cap was full; the JS run on A waited for it.
      for (const r of pureRows) expect(r.finishedAt?.getTime() ?? Infinity).toBeLessThan(longEnd);
      expect(onARow?.status).toBe('succeeded');
      expect(onARow?.startedAt?.getTime() ?? 0).toBeGreaterThanOrEqual(longEnd);
    } finally {
      await runner.stop();
    }
  }, 60_000);

  it("the per-user cap (2) holds over one owner's JS runs (on A, on A and B, on none) and SQL runs", async () => {
    const [A, B] = [kit.ws.connectionId, kit.second];
    const owner = await member();
    const sleep = 'select 1 as n from (select pg_sleep(0.3)) s';
    const ids: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      ids.push(await queueJsRun(kit, owner, [A], sleep));
      ids.push(await queueJsRun(kit, owner, [A, B], sleep));
      ids.push(await queueJsRun(kit, owner, [], ''));
      ids.push(await queueSqlRun(kit, owner, B, sleep));
    }
    const env = { QUARRY_RUNNER_CONCURRENCY: '4', QUARRY_USER_ACTIVE_RUN_LIMIT: '2' };
    const runners = await Promise.all([startRunner(kit, env, 'r1'), startRunner(kit, env, 'r2')]);
    try {
      const rows = await allEnded(kit, ids, 40_000);
      expect(rows.map((r) => r.status)).toEqual(ids.map(() => 'succeeded'));
      expect(peak(rows)).toBeLessThanOrEqual(2);
      expect(peak(rows)).toBe(2);
    } finally {
      await stopAll(runners);
    }
  }, 60_000);
});
