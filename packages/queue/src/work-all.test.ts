import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Queue, startQueue } from './boss';
import { type JobHandlers, type JobName, jobNames } from './catalog';

let database: TestDatabase;
let queue: Queue;
const received: Array<{ name: JobName; payload: unknown }> = [];

beforeAll(async () => {
  database = await createTestDatabase();
  queue = await startQueue(database.url, { supervise: false });
});
afterAll(async () => {
  await queue?.stop({ graceful: false, timeoutMs: 1000 });
  await database?.drop();
});

const record =
  <N extends JobName>(name: N) =>
  async (payload: unknown) => {
    received.push({ name, payload });
    return { handled: name };
  };

async function until(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the handler map', () => {
  it('needs a handler for every job of the catalog (a missing one fails to compile)', () => {
    const handlers = {
      'run.execute': { concurrency: 1, handle: record('run.execute') },
      'connection.test': { concurrency: 1, handle: record('connection.test') },
    };
    // @ts-expect-error: 'run.chunks.sweep' has no handler
    const incomplete: JobHandlers = handlers;
    expect(Object.keys(incomplete).length).toBeLessThan(jobNames.length);
  });

  it('works every job with its own handler and keeps its answer as the output', async () => {
    await queue.workAll({
      'run.execute': { concurrency: 1, handle: record('run.execute') },
      'connection.test': { concurrency: 1, handle: record('connection.test') },
      'run.chunks.sweep': { concurrency: 1, handle: record('run.chunks.sweep') },
      'schema.refresh': { concurrency: 1, handle: record('schema.refresh') },
    } satisfies JobHandlers);
    const payload = {
      workspaceId: 'wsp_abc',
      target: { type: 'connection' as const, connectionId: 'con_abc' },
      requestedBy: 'usr_abc',
    };
    const id = await queue.send('connection.test', payload);
    await until(() => received.some((r) => r.name === 'connection.test'));
    expect(received).toContainEqual({
      name: 'connection.test',
      payload,
    });
    await until(async () => (await queue.boss.getJobById('connection.test', id))?.state === 'completed');
    expect((await queue.boss.getJobById('connection.test', id))?.output).toEqual({
      handled: 'connection.test',
    });
  });

  it('refuses on receipt a job whose payload was written around send, and never hands it over', async () => {
    // Straight into pg-boss, past `send`'s schema: what a stray writer or an old release could leave.
    const id = await queue.boss.send('run.execute', { runId: 'not-a-run', workspaceId: 'wsp_abc' });
    if (!id) throw new Error('pg-boss refused the job');
    // Refused at every attempt (a run job has retries with backoff: about 1 + 2 + 4 s), then failed.
    await until(async () => (await queue.boss.getJobById('run.execute', id))?.state === 'failed', 40_000);
    expect(received.some((r) => r.name === 'run.execute')).toBe(false);
  }, 60_000);
});
