import { describe, expect, it } from 'vitest';
import { kitPerFile, newMember, queueJsRun, queueSqlRun, rowsOf, startRunner } from '../attacks14/kit';

// Found as a flaw (starvation) and fixed with this suite, with a real runner and the real queue. A
// JS run reads connections A and B; B is kept busy at its cap (1) by a steady stream of SQL runs,
// each its user's only one, as a dashboard of many viewers would; A is idle. Its job was grouped
// under A, so it was fetched whenever A was free, which was always while B was full; each take was
// refused and the job re-sent a second later, again under A and behind every B run (its priority
// -1: its own original job, still active, counted as its owner's). It never ran while the stream
// lasted. A re-sent job now goes under the connection it waits for, with its owner's place as the
// start counted it (untakenRun), so B's runs are taken in the order they were queued, this one
// among them.

const kit = kitPerFile({ second: true });
const member = () => newMember(kit);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a JS run reading an idle connection and a busy one', () => {
  it('runs within 12 s while a stream of single-user SQL runs keeps the busy one at its cap (1)', async () => {
    const [A, B] = [kit.ws.connectionId, kit.second];
    const runner = await startRunner(
      kit,
      { QUARRY_RUNNER_CONCURRENCY: '4', QUARRY_CONNECTION_QUERY_LIMIT: '1' },
      'starve',
    );
    const stream: string[] = [];
    let feeding = true;
    const feeder = (async () => {
      while (feeding) {
        const rows = await rowsOf(kit, stream);
        const waiting = rows.filter((r) => r.status === 'queued').length;
        for (let i = waiting; i < 3; i += 1) {
          stream.push(
            await queueSqlRun(kit, await member(), B, 'select 1 as n from (select pg_sleep(0.4)) s'),
          );
        }
        await sleep(100);
      }
    })();
    try {
      await sleep(1500);
      const js = await queueJsRun(kit, kit.ws.users.editor.id, [A, B], 'select 1 as n');
      const queuedAt = Date.now();
      let started: Date | null = null;
      while (!started && Date.now() - queuedAt < 20_000) {
        const [row] = await rowsOf(kit, [js]);
        started = row?.startedAt ?? null;
        await sleep(200);
      }
      const [jsRow] = await rowsOf(kit, [js]);
      const rows = await rowsOf(kit, stream);
      const queuedAfterAndStartedFirst = rows.filter(
        (r) =>
          jsRow &&
          r.createdAt > jsRow.createdAt &&
          r.startedAt !== null &&
          (jsRow.startedAt === null || r.startedAt < jsRow.startedAt),
      ).length;
      const [jobs] = await kit.database.sql<{ n: number }[]>`
        select count(*)::int as n from pgboss.job where name = 'run.execute' and data->>'runId' = ${js}`;
      // The jobs' places in the queue: the JS run's (original, then each re-send) and the stream's.
      const priorities = await kit.database.sql<{ js: boolean; p: number[]; g: string[] }[]>`
        select (data->>'runId' = ${js}) as js, array_agg(distinct priority order by priority) as p,
          array_agg(distinct group_id) as g
        from pgboss.job where name = 'run.execute' group by 1 order by 1`;
      const waitedMs = jsRow?.startedAt ? jsRow.startedAt.getTime() - queuedAt : null;
      // Then the stream stops: the JS run is only held by it, and runs once B drains.
      feeding = false;
      await feeder;
      let after = jsRow?.status;
      for (const deadline = Date.now() + 15_000; Date.now() < deadline; await sleep(200)) {
        after = (await rowsOf(kit, [js]))[0]?.status;
        if (after === 'succeeded' || after === 'failed') break;
      }
      const report = {
        startedWithin12s: waitedMs !== null && waitedMs < 12_000,
        waitedMs: waitedMs ?? `more than ${20_000} (still ${jsRow?.status})`,
        takesRefused: (jobs?.n ?? 1) - 1,
        streamRunsQueuedAfterItThatRanFirst: queuedAfterAndStartedFirst,
        statusOnceTheStreamStopped: after,
        jsJobs: priorities.find((r) => r.js),
        streamJobs: priorities.find((r) => !r.js),
        connections: { A, B },
      };
      // The guarantee: a run is not starved by runs queued after it, however long they keep coming.
      expect(report).toEqual({ ...report, startedWithin12s: true });
    } finally {
      feeding = false;
      await feeder.catch(() => undefined);
      await runner.stop();
    }
  }, 60_000);
});
