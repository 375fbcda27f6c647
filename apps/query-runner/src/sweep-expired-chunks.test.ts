import { runChunks } from '@quarry/db/schema';
import {
  createTestDatabase,
  createWorkspaceFixture,
  type TestDatabase,
  type WorkspaceFixture,
} from '@quarry/db/testing';
import { jobCatalog, type Queue, startQueue } from '@quarry/queue';
import { sweepExpiredChunks } from '@quarry/results';
import { generateMasterKey, loadVaultFromEnv } from '@quarry/vault';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRun } from './testing/insert-run';

let database: TestDatabase;
let fixture: WorkspaceFixture;
let queue: Queue;

beforeAll(async () => {
  database = await createTestDatabase();
  const vault = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!vault.ok) throw new Error(vault.error.message);
  fixture = await createWorkspaceFixture(database.db, {
    vault: vault.value,
    warehouse: { host: '127.0.0.1', port: 5432, database: 'none', username: 'none', password: 'none' },
  });
  queue = await startQueue(database.url, { supervise: false });
});
afterAll(async () => {
  await queue?.stop({ graceful: false, timeoutMs: 1000 });
  await database?.drop();
});

async function runWithChunks(expiresAt: Date): Promise<string> {
  const id = await insertRun(database.db, fixture, { status: 'succeeded' });
  await database.db
    .insert(runChunks)
    .values(
      [0, 1].map((seq) => ({ runId: id, seq, rowCount: seq, payload: Buffer.from('sealed'), expiresAt })),
    );
  return id;
}

const chunksOf = async (id: string) =>
  (await database.db.select().from(runChunks).where(eq(runChunks.runId, id))).length;

describe('the chunk sweeper (item 5)', () => {
  it('deletes chunks that expired a day ago and keeps live ones', async () => {
    const expired = await runWithChunks(new Date(Date.now() - 24 * 60 * 60 * 1000));
    const live = await runWithChunks(new Date(Date.now() + 15 * 60 * 1000));

    expect(await sweepExpiredChunks(database.db, new Date())).toBe(2);
    expect(await chunksOf(expired)).toBe(0);
    expect(await chunksOf(live)).toBe(2);
  });

  it('is scheduled every minute on pg-boss', async () => {
    const schedules = await queue.boss.getSchedules();
    expect(schedules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'run.chunks.sweep', cron: jobCatalog['run.chunks.sweep'].schedule }),
      ]),
    );
  });

  it('runs when its job is delivered to a worker', async () => {
    const expired = await runWithChunks(new Date(Date.now() - 1000));
    const done = new Promise<void>((resolve) => {
      void queue.work('run.chunks.sweep', { concurrency: 1 }, async () => {
        await sweepExpiredChunks(database.db, new Date());
        resolve();
      });
    });
    await queue.send('run.chunks.sweep', {});
    await done;
    expect(await chunksOf(expired)).toBe(0);
  });
});
