import { parseRowBatch, type RunEvent } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { runChunks, runs } from '@quarry/db/schema';
import { observe } from '@quarry/leak-scan';
import {
  chunkContext,
  RUN_CHUNK_TTL_MS,
  RUN_EVENTS_CHANNEL,
  readNextChunks,
  sealColumns,
  sealRows,
} from '@quarry/results';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusal } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';

// Attacks on today's inline chunk reads (3d3b3d8): chunks whose sealed bytes are at most 16 kB
// (16,384) come back as bytea values of one statement, larger ones by COPY, and a stream that met
// a large chunk reads the next by COPY at once. Chunks around the boundary, results mixing both
// sizes, expired chunks (whose bytes must never be sent, by either read), and chunks of another
// run, through the results store and through the API's stream.

const INLINE = 16 * 1024;
let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 2 });
}, 120_000);
afterAll(() => h?.close());

const fresh = () => new Date(Date.now() + RUN_CHUNK_TTL_MS);

/** A finished run of A's Editor, with no chunks yet. */
async function finishedRun(rowCount: number): Promise<string> {
  const id = newId('run');
  await h.database.db.insert(runs).values({
    id,
    workspaceId: h.a.workspaceId,
    projectId: h.a.projectId,
    cellId: h.a.cellId,
    ownerId: h.a.users.editor.id,
    connectionId: h.a.connectionId,
    source: 'select v from somewhere',
    rowLimit: 1000,
    status: 'succeeded',
    rowCount,
    startedAt: new Date(),
    finishedAt: new Date(),
  });
  return id;
}

const seal = (runId: string, seq: number, rows: string[][]) =>
  sealRows(h.vault, chunkContext(h.a.workspaceId, runId, seq), rows);

/**
 * A one-row chunk whose sealed bytes are exactly `bytes` long, its one value starting with `tag`:
 * the sealed size grows by one byte a character of ASCII text.
 */
function rowOfSealedSize(runId: string, seq: number, bytes: number, tag: string) {
  const overhead = seal(runId, seq, [[tag]]).length;
  const value = tag + 'x'.repeat(bytes - overhead);
  const payload = seal(runId, seq, [[value]]);
  expect(payload.length).toBe(bytes);
  return { value, payload };
}

/** Writes a run's result: a columns chunk, then one single-row chunk of each sealed size. */
async function resultOf(sizes: readonly number[], expiresAt = fresh()) {
  const runId = await finishedRun(sizes.length);
  const values: string[] = [];
  const rows = sizes.map((bytes, i) => {
    const { value, payload } = rowOfSealedSize(runId, i + 1, bytes, `row${i + 1}:`);
    values.push(value);
    return { runId, seq: i + 1, rowCount: 1, payload, expiresAt };
  });
  await h.database.db.insert(runChunks).values([
    {
      runId,
      seq: 0,
      rowCount: 0,
      payload: sealColumns(h.vault, chunkContext(h.a.workspaceId, runId, 0), [
        { name: 'v', type: 'text', dbType: 'text' },
      ]),
      expiresAt,
    },
    ...rows,
  ]);
  await h.database.sql`select pg_notify(${RUN_EVENTS_CHANNEL}, ${runId})`;
  return { runId, values };
}

async function eventsOf(runId: string) {
  const caller = await h.as(h.a, 'editor');
  const events: RunEvent[] = [];
  for await (const event of await caller.runs.events({ runId })) events.push(event as RunEvent);
  observe(JSON.stringify(events), 'run events');
  return events;
}

/** The events a stream sent before it ended, and what it threw instead of ending, if it did. */
async function eventsOrThrow(runId: string) {
  const caller = await h.as(h.a, 'editor');
  const events: RunEvent[] = [];
  let thrown: string | null = null;
  try {
    for await (const event of await caller.runs.events({ runId })) events.push(event as RunEvent);
  } catch (error) {
    thrown = String(error);
  }
  observe(JSON.stringify(events), 'run events');
  return { events, thrown };
}

const rowsOf = (events: RunEvent[]) =>
  events.flatMap((e) => (e.type === 'rows' ? parseRowBatch(e.batch).map((row) => row[0]) : []));

describe('1. chunks around the 16 kB boundary, and results mixing both sizes', () => {
  const boundary = [INLINE - 1, INLINE, INLINE + 1];

  it('sealed sizes 16,383, 16,384 and 16,385 read back whole through the store, inline or by COPY', async () => {
    const { runId, values } = await resultOf(boundary);
    for (const inline of [true, false]) {
      const chunks = await readNextChunks(h.database.db, h.vault, {
        workspaceId: h.a.workspaceId,
        runId,
        fromSeq: 1,
        now: new Date(),
        max: 3,
        inline,
      });
      expect(chunks.map((c) => [c.seq, c.expired, c.large])).toEqual([
        [1, false, false],
        [2, false, false],
        [3, false, true],
      ]);
      const opened = chunks.map((c) => c.open());
      expect(opened.map((b) => (b.kind === 'rows' ? JSON.parse(b.text)[0][0] : null))).toEqual(values);
    }
    // Each alone, from each seq, as a stream reads them one at a time.
    for (const [i, value] of values.entries()) {
      const [chunk] = await readNextChunks(h.database.db, h.vault, {
        workspaceId: h.a.workspaceId,
        runId,
        fromSeq: i + 1,
        now: new Date(),
      });
      const body = chunk?.open();
      expect(body?.kind === 'rows' ? JSON.parse(body.text)[0][0] : null).toBe(value);
    }
  });

  it('a result alternating small, boundary and large chunks streams through the API complete and in order', async () => {
    const sizes = [400, INLINE + 1, 300, INLINE, 40_000, INLINE - 1, 500, 70_000, INLINE + 1, 260];
    const { runId, values } = await resultOf(sizes);
    const events = await eventsOf(runId);
    expect(events[0]).toMatchObject({ type: 'columns' });
    expect(events.at(-1)).toMatchObject({ type: 'done', rowCount: sizes.length });
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(rowsOf(events)).toEqual(values);
  });
});

describe('2. expired chunks: no bytes sent, by either read', () => {
  it('the store reports small, boundary and large expired chunks expired, with nothing to open, inline or by COPY', async () => {
    const past = new Date(Date.now() - 60_000);
    const { runId } = await resultOf([300, INLINE, INLINE + 1, 50_000], past);
    for (const inline of [true, false, undefined]) {
      const chunks = await readNextChunks(h.database.db, h.vault, {
        workspaceId: h.a.workspaceId,
        runId,
        fromSeq: 0,
        now: new Date(),
        max: 5,
        ...(inline === undefined ? {} : { inline }),
      });
      expect(chunks.map((c) => [c.seq, c.expired])).toEqual([
        [0, true],
        [1, true],
        [2, true],
        [3, true],
        [4, true],
      ]);
      for (const chunk of chunks) expect(() => chunk.openBytes()).toThrow();
    }
  });

  it('a result whose later chunks (small and large) expired while the first are live streams no byte of the expired ones', async () => {
    const runId = await finishedRun(4);
    const past = new Date(Date.now() - 60_000);
    const live = rowOfSealedSize(runId, 1, 300, 'live-1:');
    const liveLarge = rowOfSealedSize(runId, 2, INLINE + 10, 'live-2:');
    const gone = rowOfSealedSize(runId, 3, 300, 'EXPIRED-SMALL:');
    const goneLarge = rowOfSealedSize(runId, 4, INLINE * 3, 'EXPIRED-LARGE:');
    await h.database.db.insert(runChunks).values([
      {
        runId,
        seq: 0,
        rowCount: 0,
        payload: sealColumns(h.vault, chunkContext(h.a.workspaceId, runId, 0), [
          { name: 'v', type: 'text', dbType: 'text' },
        ]),
        expiresAt: fresh(),
      },
      { runId, seq: 1, rowCount: 1, payload: live.payload, expiresAt: fresh() },
      { runId, seq: 2, rowCount: 1, payload: liveLarge.payload, expiresAt: fresh() },
      { runId, seq: 3, rowCount: 1, payload: gone.payload, expiresAt: past },
      { runId, seq: 4, rowCount: 1, payload: goneLarge.payload, expiresAt: past },
    ]);
    const events = await eventsOf(runId);
    const text = JSON.stringify(events);
    expect(text).not.toContain('EXPIRED-');
    expect(events.some((e) => e.type === 'done')).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'run.results_expired' } });
    // Whatever was sent before the hole is exactly the live rows, in order.
    const sent = rowsOf(events);
    expect([live.value, liveLarge.value].slice(0, sent.length)).toEqual(sent);
  });
});

describe('3. chunks of another run', () => {
  it('another run’s sealed chunks (small and large) stored under this run never open: the stream sends none of their rows', async () => {
    for (const bytes of [400, INLINE, INLINE + 1, 60_000]) {
      const { runId: victim, values } = await resultOf([bytes]);
      const thief = await finishedRun(1);
      // The victim's chunks, byte for byte, as the thief run's own.
      const stolen = await h.database.db.select().from(runChunks).where(eq(runChunks.runId, victim));
      await h.database.db.insert(runChunks).values(stolen.map((c) => ({ ...c, runId: thief })));
      const { events, thrown } = await eventsOrThrow(thief);
      const text = JSON.stringify(events) + String(thrown);
      expect(text).not.toContain(values[0]?.slice(0, 40));
      // Nothing of the result: not its columns, not a row, not a done.
      expect(events.some((e) => e.type === 'rows' || e.type === 'columns' || e.type === 'done')).toBe(false);
      // It ends in an error, sent as an event or thrown (the vault refused the chunk).
      expect(events.at(-1)?.type === 'error' || thrown !== null).toBe(true);
      // The victim's own stream is intact.
      expect(rowsOf(await eventsOf(victim))).toEqual(values);
    }
  });

  it('a reader of workspace B asking for A’s run (small and large chunks) is told it does not exist', async () => {
    const { runId, values } = await resultOf([300, INLINE + 1]);
    const caller = await h.as(h.b, 'admin');
    const refused = await refusal(
      (async () => {
        for await (const _ of await caller.runs.events({ runId })) {
          // Nothing may come.
        }
      })(),
    );
    expect(refused.code).toBe('NOT_FOUND');
    expect(refused.text).not.toContain(values[0]?.slice(0, 20) ?? 'row1:');
  });
});
