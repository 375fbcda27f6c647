import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Queue, startQueue } from './boss';

let database: TestDatabase;
let queue: Queue;

beforeAll(async () => {
  database = await createTestDatabase();
  queue = await startQueue(database.url, { supervise: false });
});
afterAll(async () => {
  await queue?.stop({ graceful: false, timeoutMs: 1000 });
  await database?.drop();
});

const payload = (connectionId: string) => ({ workspaceId: 'wsp_abc', connectionId });

describe('keyed schedules', () => {
  it('keeps one schedule per key, replaced when set again and gone when unset', async () => {
    await queue.schedule('schema.refresh', 'con_one', '0 * * * *', payload('con_one'));
    await queue.schedule('schema.refresh', 'con_two', '0 3 * * *', payload('con_two'));
    await queue.schedule('schema.refresh', 'con_one', '0 4 * * 1', payload('con_one'));
    const schedules = await queue.boss.getSchedules('schema.refresh');
    expect(schedules.map((s) => [s.key, s.cron, s.data]).sort()).toEqual([
      ['con_one', '0 4 * * 1', payload('con_one')],
      ['con_two', '0 3 * * *', payload('con_two')],
    ]);
    await queue.unschedule('schema.refresh', 'con_one');
    await queue.unschedule('schema.refresh', 'con_none');
    expect((await queue.boss.getSchedules('schema.refresh')).map((s) => s.key)).toEqual(['con_two']);
  });

  it('refuses a payload the job schema refuses, like send', async () => {
    await expect(
      queue.schedule('schema.refresh', 'con_bad', '0 * * * *', {
        workspaceId: 'nope',
        connectionId: 'con_bad',
      }),
    ).rejects.toThrow();
    expect((await queue.boss.getSchedules('schema.refresh', 'con_bad')).length).toBe(0);
  });
});
