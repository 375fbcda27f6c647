import { type Db, newId, type Sql } from '@quarry/db';
import { runChunks, runs, workspaces } from '@quarry/db/schema';
import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INLINE_READ_BYTES } from './chunk-copy';
import { RUN_CHUNK_TTL_MS } from './chunk-format';
import { RESULT_DELIVERED_CHANNEL } from './delivery-window';
import { deleteRunChunks, sweepExpiredChunks } from './expire-chunks';
import { type NextChunk, readNextChunk, readNextChunks, readRunAndNextChunks } from './read-chunk';
import { createResultWriter } from './result-writer';
import { writeChunk, writeChunks } from './write-chunk';

let database: TestDatabase;
let vault: Vault;
const workspaceId = newId('workspace');

beforeAll(async () => {
  database = await createTestDatabase();
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  vault = loaded.value;
  await database.db.insert(workspaces).values({ id: workspaceId, name: 'Results' });
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

describe('the results store', () => {
  it('hands the reader back what the runner wrote, in order, sealed at rest', async () => {
    const runId = await newRun();
    const now = new Date();
    const columns = [{ name: 'secret', type: 'text' as const, dbType: 'text' }];
    await writeChunk(database.db, vault, {
      workspaceId,
      runId,
      seq: 0,
      content: { kind: 'columns', columns },
      now,
    });
    await writeChunk(database.db, vault, {
      workspaceId,
      runId,
      seq: 1,
      content: { kind: 'rows', rows: [['the secret row']] },
      now,
    });
    const stored = await database.db.select().from(runChunks).where(eq(runChunks.runId, runId));
    expect(stored.some((c) => c.payload.includes(Buffer.from('the secret row')))).toBe(false);

    const first = await readNextChunk(database.db, vault, { workspaceId, runId, fromSeq: 0, now });
    expect(first?.seq).toBe(0);
    expect(first?.open()).toEqual({ kind: 'columns', columns });
    const second = await readNextChunk(database.db, vault, { workspaceId, runId, fromSeq: 1, now });
    expect(second?.open()).toEqual({ kind: 'rows', text: '[["the secret row"]]', rowCount: 1 });
    expect(await readNextChunk(database.db, vault, { workspaceId, runId, fromSeq: 2, now })).toBeNull();

    await deleteRunChunks(database.db, runId);
    expect(await readNextChunk(database.db, vault, { workspaceId, runId, fromSeq: 0, now })).toBeNull();
  });

  it('refuses to open a chunk read under another workspace', async () => {
    const runId = await newRun();
    const now = new Date();
    await writeChunk(database.db, vault, {
      workspaceId,
      runId,
      seq: 0,
      content: { kind: 'rows', rows: [[1]] },
      now,
    });
    const read = await readNextChunk(database.db, vault, {
      workspaceId: 'wsp_other',
      runId,
      fromSeq: 0,
      now,
    });
    expect(() => read?.open()).toThrow(/vault\.tampered/);
  });

  it('stops serving a chunk at its expiry, reports it expired, and the sweep deletes it', async () => {
    const runId = await newRun();
    const written = new Date();
    await writeChunk(database.db, vault, {
      workspaceId,
      runId,
      seq: 0,
      content: { kind: 'rows', rows: [[1]] },
      now: written,
    });
    const later = new Date(written.getTime() + RUN_CHUNK_TTL_MS);
    expect(
      (await readNextChunk(database.db, vault, { workspaceId, runId, fromSeq: 0, now: written }))?.expired,
    ).toBe(false);
    const expired = await readNextChunk(database.db, vault, { workspaceId, runId, fromSeq: 0, now: later });
    expect(expired?.seq).toBe(0);
    expect(expired?.expired).toBe(true);
    expect(() => expired?.open()).toThrow('run chunk expired');
    expect(await sweepExpiredChunks(database.db, later)).toBeGreaterThanOrEqual(1);
    expect(await database.db.select().from(runChunks).where(eq(runChunks.runId, runId))).toEqual([]);
  });
});

// Small chunks are stored by one statement, larger ones through binary COPY (chunk-copy.ts): the
// same guard, notification and row count on both paths.
describe.each([
  { path: 'one statement', pad: 'small' },
  { path: 'binary COPY', pad: 'x'.repeat(20_000) },
])('the results store, chunks stored by $path', ({ pad }) => {
  it('stores chunks written together in one go, tells readers at the commit, and reads two back at once', async () => {
    const runId = await newRun();
    const now = new Date();
    const heard: string[] = [];
    const channel = `quarry_test_${newId('run').slice(4)}`;
    const listening = await database.sql.listen(channel, (payload) => {
      heard.push(payload);
    });
    try {
      const columns = [{ name: 'n', type: 'integer' as const, dbType: 'int4' }];
      const stored = await writeChunks(database.db, vault, {
        workspaceId,
        runId,
        firstSeq: 0,
        contents: [
          { kind: 'columns', columns },
          { kind: 'rows', rows: [[1], [2], [pad]] },
        ],
        now,
        notifyChannel: channel,
      });
      expect(stored).toBe(true);
      const both = await readNextChunks(database.db, vault, { workspaceId, runId, fromSeq: 0, now, max: 2 });
      expect(both.map((chunk) => chunk.seq)).toEqual([0, 1]);
      expect(both[0]?.open()).toEqual({ kind: 'columns', columns });
      expect(both[1]?.open()).toEqual({ kind: 'rows', text: JSON.stringify([[1], [2], [pad]]), rowCount: 3 });
      // One read of one chunk when asked for one.
      expect((await readNextChunks(database.db, vault, { workspaceId, runId, fromSeq: 0, now })).length).toBe(
        1,
      );
      await expect.poll(() => heard).toEqual([runId]);

      // Taken seqs: nothing of the batch is stored, and nobody is told.
      await expect(
        writeChunks(database.db, vault, {
          workspaceId,
          runId,
          firstSeq: 1,
          contents: [
            { kind: 'rows', rows: [[3], [pad]] },
            { kind: 'rows', rows: [[4]] },
          ],
          now,
          notifyChannel: channel,
        }),
      ).rejects.toThrow('already has a chunk from 1 to 2');
      const rows = await database.db.select().from(runChunks).where(eq(runChunks.runId, runId));
      expect(rows.map((row) => row.seq).sort()).toEqual([0, 1]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(heard).toEqual([runId]);
    } finally {
      await listening.unlisten();
    }
  });

  it('stores nothing and tells nobody when the writing attempt no longer holds its run', async () => {
    const runId = await newRun();
    const now = new Date();
    await database.db
      .update(runs)
      .set({ status: 'running', startedAt: new Date(now.getTime() - 1000) })
      .where(eq(runs.id, runId));
    const heard: string[] = [];
    const channel = `quarry_test_${newId('run').slice(4)}`;
    const listening = await database.sql.listen(channel, (payload) => {
      heard.push(payload);
    });
    try {
      const stored = await writeChunks(database.db, vault, {
        workspaceId,
        runId,
        firstSeq: 0,
        contents: [
          { kind: 'columns', columns: [] },
          { kind: 'rows', rows: [['x'], [pad]] },
        ],
        now,
        notifyChannel: channel,
        // Another attempt's start: this one lost the run.
        attemptStartedAt: now,
      });
      expect(stored).toBe(false);
      expect(await database.db.select().from(runChunks).where(eq(runChunks.runId, runId))).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(heard).toEqual([]);
    } finally {
      await listening.unlisten();
    }
  });

  it("sets a run's row count with its first rows, in the transaction that stores them, and never again", async () => {
    const runId = await newRun();
    const startedAt = new Date(Date.now() - 1000);
    await database.db.update(runs).set({ status: 'running', startedAt }).where(eq(runs.id, runId));
    const deps = { db: database.db, sql: database.sql, vault, now: () => new Date() };
    const rowCount = async () =>
      (await database.db.select({ n: runs.rowCount }).from(runs).where(eq(runs.id, runId)))[0]?.n;
    const writer = createResultWriter(deps, {
      workspaceId,
      resultId: runId,
      attemptStartedAt: startedAt,
      recordFirstRows: true,
    });
    expect((await writer.write({ kind: 'columns', columns: [] })).ok).toBe(true);
    expect(await rowCount()).toBeNull();
    expect((await writer.write([{ kind: 'rows', rows: [[1], [pad]] }])).ok).toBe(true);
    expect(await rowCount()).toBe(2);
    expect((await writer.write({ kind: 'rows', rows: [[3], [4], [pad]] })).ok).toBe(true);
    expect(await rowCount()).toBe(2);

    // A writer of no run's first rows (the cache's, say) leaves the count alone.
    const other = await newRun();
    await database.db.update(runs).set({ status: 'running', startedAt }).where(eq(runs.id, other));
    const plain = createResultWriter(deps, { workspaceId, resultId: other, attemptStartedAt: startedAt });
    expect((await plain.write({ kind: 'rows', rows: [[1], [pad]] })).ok).toBe(true);
    expect(
      (await database.db.select({ n: runs.rowCount }).from(runs).where(eq(runs.id, other)))[0]?.n,
    ).toBeNull();
  });
});

/** The results store's database, counting the statements sent through it (each query, and each on a held connection). */
function counting(sql: Sql): { db: Db; statements: () => number } {
  let statements = 0;
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      apply(fn, self, args) {
        statements += 1;
        return Reflect.apply(fn as (...a: unknown[]) => unknown, self, args);
      },
      get(object, property, receiver) {
        const value = Reflect.get(object, property, receiver);
        if (property === 'unsafe') {
          return (...args: unknown[]) => {
            statements += 1;
            return (value as (...a: unknown[]) => unknown).apply(object, args);
          };
        }
        if (property === 'reserve') {
          return async () => wrap(await (value as () => Promise<object>).apply(object));
        }
        return value;
      },
    });
  return { db: { $client: wrap(sql) } as unknown as Db, statements: () => statements };
}

describe('reading chunks back', () => {
  it('reads small chunks inline by one statement and a larger one by COPY, the same chunks either way', async () => {
    const runId = await newRun();
    const now = new Date();
    const columns = [{ name: 'n', type: 'text' as const, dbType: 'text' }];
    await writeChunks(database.db, vault, {
      workspaceId,
      runId,
      firstSeq: 0,
      contents: [
        { kind: 'columns', columns },
        { kind: 'rows', rows: [['small']] },
      ],
      now,
    });
    const large = 'x'.repeat(INLINE_READ_BYTES + 1000);
    await writeChunk(database.db, vault, {
      workspaceId,
      runId,
      seq: 2,
      content: { kind: 'rows', rows: [[large]] },
      now,
    });
    const counted = counting(database.sql);
    const read = async (input: { fromSeq: number; max: number; inline?: boolean; at?: Date }) => {
      const before = counted.statements();
      const chunks = await readNextChunks(counted.db, vault, {
        workspaceId,
        runId,
        now: input.at ?? now,
        ...input,
      });
      return { chunks, statements: counted.statements() - before };
    };
    const opened = (chunks: NextChunk[]) => chunks.map((chunk) => ({ seq: chunk.seq, body: chunk.open() }));

    const small = await read({ fromSeq: 0, max: 2 });
    expect(small.statements).toBe(1);
    expect(small.chunks.map((chunk) => chunk.large)).toEqual([false, false]);
    expect(opened(small.chunks)).toEqual([
      { seq: 0, body: { kind: 'columns', columns } },
      { seq: 1, body: { kind: 'rows', text: '[["small"]]', rowCount: 1 } },
    ]);
    // Read by COPY when the reader expects large chunks: the same chunks.
    const copied = await read({ fromSeq: 0, max: 2, inline: false });
    expect(copied.statements).toBe(2);
    expect(opened(copied.chunks)).toEqual(opened((await read({ fromSeq: 0, max: 2 })).chunks));

    // A large chunk among them: the inline read finds it and the read is made by COPY.
    const all = await read({ fromSeq: 0, max: 3 });
    expect(all.statements).toBe(3);
    expect(all.chunks.map((chunk) => chunk.large)).toEqual([false, false, true]);
    expect(all.chunks[2]?.open()).toEqual({ kind: 'rows', text: JSON.stringify([[large]]), rowCount: 1 });

    // Expired, large or not: reported expired by one statement, and no bytes sent.
    const later = new Date(now.getTime() + RUN_CHUNK_TTL_MS);
    const expired = await read({ fromSeq: 0, max: 3, at: later });
    expect(expired.statements).toBe(1);
    expect(expired.chunks.map((chunk) => [chunk.seq, chunk.expired])).toEqual([
      [0, true],
      [1, true],
      [2, true],
    ]);
  });
});

describe('a read of the run with its next chunks (one statement)', () => {
  const write = (runId: string, seq: number, now: Date) =>
    writeChunk(database.db, vault, {
      workspaceId,
      runId,
      seq,
      content:
        seq === 0
          ? { kind: 'columns', columns: [{ name: 'n', type: 'text', dbType: 'text' }] }
          : { kind: 'rows', rows: [[`row ${seq}`]] },
      now,
    });
  const seqsOf = async (runId: string) =>
    (await database.db.select({ seq: runChunks.seq }).from(runChunks).where(eq(runChunks.runId, runId)))
      .map((c) => c.seq)
      .sort();

  it('answers the run and its next chunks, deletes the row chunks taken before, and tells the runner', async () => {
    const runId = await newRun();
    const now = new Date();
    await database.db.update(runs).set({ status: 'running', startedAt: now }).where(eq(runs.id, runId));
    for (const seq of [0, 1, 2, 3]) await write(runId, seq, now);
    const told: string[] = [];
    const listening = await database.sql.listen(RESULT_DELIVERED_CHANNEL, (payload) => told.push(payload));
    try {
      const read = await readRunAndNextChunks(database.db, vault, {
        workspaceId,
        runId,
        fromSeq: 3,
        now,
        max: 2,
        deliveredBefore: 3,
      });
      expect(read.run?.status).toBe('running');
      expect(read.chunks.map((c) => [c.seq, c.open()])).toEqual([
        [3, { kind: 'rows', text: '[["row 3"]]', rowCount: 1 }],
      ]);
      expect(read.cleared).toBe(false);
      // The row chunks before the reader's place went; the columns stay until the result ends.
      expect(await seqsOf(runId)).toEqual([0, 3]);
      for (let i = 0; i < 50 && told.length === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
      expect(told).toEqual([runId]);
    } finally {
      await listening.unlisten();
    }
  });

  it('clears an ended run once nothing is left to read, and keeps one with chunks still unread', async () => {
    const runId = await newRun();
    const now = new Date();
    await database.db.update(runs).set({ status: 'succeeded', rowCount: 2 }).where(eq(runs.id, runId));
    for (const seq of [0, 1, 2]) await write(runId, seq, now);
    const unread = await readRunAndNextChunks(database.db, vault, {
      workspaceId,
      runId,
      fromSeq: 2,
      now,
      deliveredBefore: 2,
    });
    expect(unread.chunks.map((c) => c.seq)).toEqual([2]);
    expect(unread.cleared).toBe(false);
    expect(await seqsOf(runId)).toEqual([0, 2]);
    const done = await readRunAndNextChunks(database.db, vault, {
      workspaceId,
      runId,
      fromSeq: 3,
      now,
      deliveredBefore: 3,
    });
    expect(done).toMatchObject({ run: { status: 'succeeded', rowCount: 2 }, chunks: [], cleared: true });
    expect(await seqsOf(runId)).toEqual([]);
  });

  it('reads, and deletes, nothing of a run under another workspace', async () => {
    const runId = await newRun();
    const now = new Date();
    await database.db.update(runs).set({ status: 'failed' }).where(eq(runs.id, runId));
    for (const seq of [0, 1]) await write(runId, seq, now);
    const read = await readRunAndNextChunks(database.db, vault, {
      workspaceId: 'wsp_other',
      runId,
      fromSeq: 0,
      now,
      deliveredBefore: 5,
    });
    expect(read).toEqual({ run: undefined, chunks: [], cleared: false });
    expect(await seqsOf(runId)).toEqual([0, 1]);
  });
});
