import { newId } from '@quarry/db';
import { runChunks, runs, workspaces } from '@quarry/db/schema';
import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkContext, openChunkText } from './chunk-format';
import { createResultWriter, RUN_SUPERSEDED } from './result-writer';

let database: TestDatabase;
let vault: Vault;
const workspaceId = newId('workspace');

beforeAll(async () => {
  database = await createTestDatabase();
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  vault = loaded.value;
  await database.db.insert(workspaces).values({ id: workspaceId, name: 'Fence' });
});
afterAll(async () => {
  await database?.drop();
});

const writerFor = (runId: string, attemptStartedAt: Date) =>
  createResultWriter(
    { db: database.db, sql: database.sql, vault, now: () => new Date() },
    { workspaceId, resultId: runId, attemptStartedAt },
  );

describe('a result writer fenced by its attempt (JOB-1)', () => {
  it('lets an attempt that lost its run to a retry neither add to nor delete the retry’s result', async () => {
    const runId = newId('run');
    const first = new Date('2026-11-28T01:00:00.000Z');
    const retry = new Date('2026-11-28T01:00:30.000Z');
    await database.db.insert(runs).values({
      id: runId,
      workspaceId,
      projectId: 'prj_fence',
      cellId: 'cel_fence',
      ownerId: 'usr_fence',
      connectionId: 'con_fence',
      source: 'select 1',
      rowLimit: 10,
      status: 'running',
      startedAt: first,
    });
    const earlier = writerFor(runId, first);
    expect(
      await earlier.write({ kind: 'columns', columns: [{ name: 'n', type: 'integer', dbType: 'int4' }] }),
    ).toEqual({
      ok: true,
      value: undefined,
    });

    // A retry takes the run over (requeued, chunks cleared, taken again with its own start).
    await database.db.delete(runChunks).where(eq(runChunks.runId, runId));
    await database.db.update(runs).set({ startedAt: retry }).where(eq(runs.id, runId));
    const newer = writerFor(runId, retry);
    expect(
      (await newer.write({ kind: 'columns', columns: [{ name: 'n', type: 'integer', dbType: 'int4' }] })).ok,
    ).toBe(true);

    // The earlier attempt's late writes are refused, not stored (no duplicate seq 1 either).
    expect(await earlier.write({ kind: 'rows', rows: [['stale']] })).toEqual({
      ok: false,
      error: RUN_SUPERSEDED,
    });
    expect((await newer.write({ kind: 'rows', rows: [['fresh']] })).ok).toBe(true);
    // …and its discard deletes nothing of the retry's result.
    await earlier.discard();

    const stored = await database.db
      .select()
      .from(runChunks)
      .where(eq(runChunks.runId, runId))
      .orderBy(asc(runChunks.seq));
    expect(stored.map((chunk) => chunk.seq)).toEqual([0, 1]);
    const second = stored[1];
    if (!second) throw new Error('no row chunk');
    expect(openChunkText(vault, chunkContext(workspaceId, runId, 1), second.payload)).toBe('[["fresh"]]');

    // The attempt that holds the run discards its own result.
    await newer.discard();
    expect(await database.db.select().from(runChunks).where(eq(runChunks.runId, runId))).toEqual([]);
  });
});
