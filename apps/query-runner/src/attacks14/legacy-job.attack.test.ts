import { describe, expect, it } from 'vitest';
import { allEnded, kitPerFile, newMember, queueJsRun, queueSqlRun, rowsOf, startRunner } from './kit';

// A JS run whose job was sent before 26fb928 carries no connection at all (only its run row,
// runs.connection_ids, says what it reads). Its own take is still admitted by that row.

const kit = kitPerFile();
const member = () => newMember(kit);

describe('a JS run whose job lacks connectionIds (sent before the change)', () => {
  it('waits, by its run row, while the connection it reads is at its cap (1), then succeeds', async () => {
    const A = kit.ws.connectionId;
    const runner = await startRunner(kit, {
      QUARRY_RUNNER_CONCURRENCY: '4',
      QUARRY_CONNECTION_QUERY_LIMIT: '1',
    });
    try {
      const long = await queueSqlRun(kit, await member(), A, 'select 1 as n from (select pg_sleep(2)) s');
      const deadline = Date.now() + 15_000;
      while ((await rowsOf(kit, [long]))[0]?.status !== 'running') {
        if (Date.now() > deadline) throw new Error('the long run never started');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const legacy = await queueJsRun(kit, await member(), [A], 'select 1 as n', 'legacy');
      const [longRow] = await allEnded(kit, [long], 20_000);
      const [legacyRow] = await allEnded(kit, [legacy], 20_000);
      expect(legacyRow?.status).toBe('succeeded');
      expect(legacyRow?.startedAt?.getTime() ?? 0).toBeGreaterThanOrEqual(
        longRow?.finishedAt?.getTime() ?? Infinity,
      );
    } finally {
      await runner.stop();
    }
  }, 60_000);
});
