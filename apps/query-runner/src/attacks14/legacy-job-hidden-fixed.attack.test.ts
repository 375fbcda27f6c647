import { describe, expect, it } from 'vitest';
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

// Found as a flaw in 26fb928 and fixed with this suite: the admission counted the runs *ahead* of
// a job by their job's data alone (data->>'connectionId', data->'connectionIds'), never by their run row. A JS run whose job was
// sent before 26fb928 (payload {runId, workspaceId, ownerId}: no connection) is admitted by its
// own row, but once running it is invisible to every later take: SQL runs (and new-style JS runs)
// on the same connection go ahead as if it held no place, so the connection runs more than its
// cap. The "must wait" re-send copies the payload, so such a job stays invisible until it runs;
// any backlog of JS jobs queued at the upgrade (or sent by an API not yet upgraded, during a
// rolling deploy) overshot the cap this way. The runs ahead are now counted by their own rows.

const kit = kitPerFile();
const member = () => newMember(kit);

describe('a running JS run whose job lacks connectionIds', () => {
  it('still holds its place in the cap (2) of the connection it reads, for later SQL runs', async () => {
    const A = kit.ws.connectionId;
    const runner = await startRunner(kit, {
      QUARRY_RUNNER_CONCURRENCY: '6',
      QUARRY_CONNECTION_QUERY_LIMIT: '2',
    });
    try {
      const legacy = [
        await queueJsRun(kit, await member(), [A], 'select 1 as n from (select pg_sleep(2.5)) s', 'legacy'),
        await queueJsRun(kit, await member(), [A], 'select 1 as n from (select pg_sleep(2.5)) s', 'legacy'),
      ];
      const deadline = Date.now() + 15_000;
      while ((await rowsOf(kit, legacy)).some((r) => r.status !== 'running')) {
        if (Date.now() > deadline) throw new Error('the legacy runs never both ran');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // A is at its cap (two runs reading it). Two SQL runs on A now.
      const sql = [
        await queueSqlRun(kit, await member(), A, 'select 1 as n from (select pg_sleep(0.5)) s'),
        await queueSqlRun(kit, await member(), A, 'select 1 as n from (select pg_sleep(0.5)) s'),
      ];
      const rows = await allEnded(kit, [...legacy, ...sql], 30_000);
      expect(rows.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
      // Observed: 4 (both SQL runs ran beside both JS runs while the cap is 2).
      expect(peak(querying(rows, A))).toBeLessThanOrEqual(2);
    } finally {
      await runner.stop();
    }
  }, 60_000);
});
