import { newId } from '@quarry/db';
import { runChunks, runs, workspaces } from '@quarry/db/schema';
import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkContext, openChunkText } from './chunk-format';
import { deliverChunk, RESULT_WINDOW_CHUNKS, undeliveredChunks, waitForWindow } from './delivery-window';
import { readNextChunk } from './read-chunk';
import { createResultWriter } from './result-writer';

let database: TestDatabase;
let vault: Vault;
const workspaceId = newId('workspace');

beforeAll(async () => {
  database = await createTestDatabase();
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  vault = loaded.value;
  await database.db.insert(workspaces).values({ id: workspaceId, name: 'Window' });
});
afterAll(async () => {
  await database?.drop();
});

async function newRun(): Promise<string> {
  const id = newId('run');
  await database.db.insert(runs).values({
    id,
    workspaceId,
    projectId: 'prj_x',
    cellId: 'cel_x',
    ownerId: 'usr_x',
    connectionId: 'con_x',
    source: 'select 1',
    rowLimit: 10,
  });
  return id;
}

const writerFor = (resultId: string, options: { abandonAfterMs?: number } = {}) =>
  createResultWriter(
    { db: database.db, sql: database.sql, vault, now: () => new Date() },
    { workspaceId, resultId, ...options },
  );

const copyChunk = (n: number) => ({
  kind: 'copy' as const,
  letters: 'ns',
  text: Buffer.from(`${n}\trow ${n}\n`),
  rowCount: 1,
});

describe('the delivery window', () => {
  it('seals COPY text behind its framing line and hands it back as written', async () => {
    const runId = await newRun();
    const writer = writerFor(runId);
    await writer.write({ kind: 'columns', columns: [{ name: 'n', type: 'integer', dbType: 'int4' }] });
    await writer.write({ kind: 'copy', letters: 'n', text: Buffer.from('1\n2\n\\N\n'), rowCount: 3 });

    const [stored] = await database.db
      .select()
      .from(runChunks)
      .where(eq(runChunks.runId, runId))
      .orderBy(runChunks.seq)
      .limit(1);
    expect(stored?.seq).toBe(0);
    expect(stored?.rowCount).toBe(0);
    const chunk = await readNextChunk(database.db, vault, {
      workspaceId,
      runId,
      fromSeq: 1,
      now: new Date(),
    });
    expect(chunk?.open()).toEqual({ kind: 'rows', text: 'copy:n\n1\n2\n\\N\n', rowCount: 3 });
    const payload = (await database.db.select().from(runChunks).where(eq(runChunks.runId, runId)))[1]
      ?.payload;
    expect(payload && openChunkText(vault, chunkContext(workspaceId, runId, 1), payload)).toBe(
      'copy:n\n1\n2\n\\N\n',
    );
    expect(payload?.includes(Buffer.from('copy:n'))).toBe(false);
  });

  it('holds the writer while the window is full and lets it go on as the reader takes chunks', async () => {
    const runId = await newRun();
    const writer = writerFor(runId);
    await writer.write({ kind: 'columns', columns: [] });
    for (let n = 1; n <= RESULT_WINDOW_CHUNKS; n += 1)
      expect((await writer.write(copyChunk(n))).ok).toBe(true);
    expect(await undeliveredChunks(database.db, runId)).toBe(RESULT_WINDOW_CHUNKS);

    let done = false;
    const ninth = writer.write(copyChunk(RESULT_WINDOW_CHUNKS + 1)).then((result) => {
      done = true;
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(done).toBe(false);
    expect(await undeliveredChunks(database.db, runId)).toBe(RESULT_WINDOW_CHUNKS);

    await deliverChunk(database.sql, { resultId: runId, seq: 1 });
    expect((await ninth).ok).toBe(true);
    expect(await undeliveredChunks(database.db, runId)).toBe(RESULT_WINDOW_CHUNKS);
    const seqs = (await database.db.select().from(runChunks).where(eq(runChunks.runId, runId))).map(
      (c) => c.seq,
    );
    expect(seqs.sort((a, b) => a - b)).toEqual([0, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('answers run.abandoned when nobody takes a chunk for abandonAfterMs, and never more chunks than the window', async () => {
    const runId = await newRun();
    const writer = writerFor(runId, { abandonAfterMs: 400 });
    await writer.write({ kind: 'columns', columns: [] });
    const outcomes = [];
    for (let n = 1; n <= RESULT_WINDOW_CHUNKS + 3; n += 1) {
      const outcome = await writer.write(copyChunk(n));
      outcomes.push(outcome.ok ? 'ok' : outcome.error.code);
      if (!outcome.ok) break;
    }

    expect(outcomes).toEqual([...Array(RESULT_WINDOW_CHUNKS).fill('ok'), 'run.abandoned']);
    expect(await undeliveredChunks(database.db, runId)).toBe(RESULT_WINDOW_CHUNKS);
    await writer.discard();
    expect(await database.db.select().from(runChunks).where(eq(runChunks.runId, runId))).toEqual([]);
  });

  it('counts a slow reader who keeps taking chunks as reading, however long the whole takes', async () => {
    const runId = await newRun();
    const writer = writerFor(runId, { abandonAfterMs: 5_000 });
    await writer.write({ kind: 'columns', columns: [] });
    // The reader takes the oldest chunk waiting every 150 ms: slower than the writer, faster than
    // abandonment. It takes only chunks that exist (one tick at a time), so a slow write never
    // makes it skip one. The whole run lasts well past abandonAfterMs.
    let taking = false;
    const reader = setInterval(() => {
      if (taking) return;
      taking = true;
      void (async () => {
        const [oldest] = await database.sql<{ seq: number | null }[]>`
          select min(seq)::int as seq from run_chunks where run_id = ${runId} and seq > 0`;
        if (oldest?.seq != null) await deliverChunk(database.sql, { resultId: runId, seq: oldest.seq });
      })().finally(() => {
        taking = false;
      });
    }, 150);
    let peak = 0;
    const started = Date.now();
    try {
      for (let n = 1; n <= RESULT_WINDOW_CHUNKS + 45; n += 1) {
        expect((await writer.write(copyChunk(n))).ok).toBe(true);
        peak = Math.max(peak, await undeliveredChunks(database.db, runId));
      }
    } finally {
      clearInterval(reader);
    }
    expect(Date.now() - started).toBeGreaterThan(5_000);
    expect(peak).toBeLessThanOrEqual(RESULT_WINDOW_CHUNKS);
  }, 60_000);

  it('ends a wait at once when the run is cancelled', async () => {
    const runId = await newRun();
    const controller = new AbortController();
    for (let seq = 1; seq <= RESULT_WINDOW_CHUNKS; seq += 1) {
      await database.db.insert(runChunks).values({
        runId,
        seq,
        rowCount: 1,
        payload: Buffer.from('x'),
        expiresAt: new Date(Date.now() + 60_000),
      });
    }
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const outcome = await waitForWindow(database.db, database.sql, {
      resultId: runId,
      abandonAfterMs: 60_000,
      signal: controller.signal,
    });
    expect(outcome.ok).toBe(true);
    // Well before the 60 s a wait lasts when nothing ends it, with room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
