import type { RunEvent } from '@quarry/contracts';
import type { WorkspaceFixture } from '@quarry/db/testing';
import { describe, expect, it } from 'vitest';
import { cellsIn, openTransactions, poolIsClean, storedBy } from '../attacks10/kit';
import type { ApiHarness } from '../testing/harness';
import {
  chunksOf,
  cookieFor,
  type countWatches,
  directStream,
  finishAsRunner,
  firstEvent,
  freshWorkspace,
  type HttpApi,
  readAll,
  type StreamAnswer,
  started,
  streamBatch,
  until,
  useHttpApi,
} from './kit';

// A client that goes away in the middle of runs.startAndStream: while the stream waits for the
// runner, while the start is still in its transaction, many at once, and with only the request's
// signal or only the response body ending. The API must not leak (the run notifier's watch of each
// stream closes, no connection is left in a transaction), and the run stays the owner's to read
// with runs.events, once, as documented.
let h: ApiHarness;
let api: HttpApi;
let watches: ReturnType<typeof countWatches>;

useHttpApi((setup) => {
  ({ h, api, watches } = setup);
});

const startCall = (ws: WorkspaceFixture, cellId = ws.cellId, source = 'select 1 as n') => ({
  path: 'runs.startAndStream',
  input: { projectId: ws.projectId, cellId, source },
});

/** The owner's runs.events over HTTP (GET, JSON lines), read to its end. */
async function eventsAsOwner(
  ws: WorkspaceFixture,
  runId: string,
  onEvent?: (all: RunEvent[]) => Promise<void>,
) {
  const batch = await streamBatch(
    api,
    await cookieFor(h, ws.users.editor.id, ws.workspaceId),
    [{ path: 'runs.events', input: { runId } }],
    'GET',
  );
  const answer = (await batch.answers[0]) as StreamAnswer;
  if (answer.error) throw new Error(JSON.stringify(answer.error));
  return readAll(answer.data as AsyncIterable<RunEvent>, async (_, all) => onEvent?.(all));
}

describe('the client drops the connection', () => {
  it('while the stream waits for the runner: its watch closes, the run stays queued, and runs.events later delivers the result once', async () => {
    const ws = await freshWorkspace(h);
    const batch = await streamBatch(api, await cookieFor(h, ws.users.editor.id, ws.workspaceId), [
      startCall(ws),
    ]);
    const { run, events } = started((await batch.answers[0]) as StreamAnswer);
    expect(await firstEvent(events)).toEqual({ type: 'status', status: 'queued' });
    expect(watches.openOf(run.id)).toBe(1);
    batch.abort();
    expect(await until(() => watches.openOf(run.id) === 0)).toBe(true);
    // The start stands: the run, its job and its audit entry; a disconnect is not a cancel.
    const stored = await storedBy(h, ws.workspaceId);
    expect(stored.runs).toEqual([expect.objectContaining({ id: run.id, status: 'queued' })]);
    expect(stored.jobRunIds).toEqual([run.id]);
    expect(stored.startEntries).toHaveLength(1);
    // Read again by its owner: queued, then the result the runner writes, then nothing left.
    const read = await eventsAsOwner(ws, run.id, async (all) => {
      if (all.length === 1) await finishAsRunner(h, ws.workspaceId, run.id, 'after the disconnect');
    });
    expect(read.map((e) => e.type)).toEqual(['status', 'columns', 'rows', 'done']);
    expect(JSON.stringify(read)).toContain('after the disconnect');
    expect(await chunksOf(h, run.id)).toBe(0);
    const again = await eventsAsOwner(ws, run.id);
    expect(again).toEqual([
      { type: 'error', error: expect.objectContaining({ code: 'run.results_expired' }) },
    ]);
    expect(await until(() => watches.open() === 0)).toBe(true);
    expect(api.internalErrors()).toEqual([]);
  });

  it('while the start is still in its transaction: the start commits whole or not at all, no watch is left, and the run stays readable by its owner', async () => {
    const ws = await freshWorkspace(h);
    const key = `runs.active:${ws.workspaceId}`;
    const holder = await h.deps.sql.reserve();
    try {
      await holder`select pg_advisory_lock(hashtextextended(${key}, 0))`;
      const batch = await streamBatch(api, await cookieFor(h, ws.users.editor.id, ws.workspaceId), [
        startCall(ws),
      ]);
      const waiting = async () =>
        ((
          await h.deps.sql<{ n: number }[]>`
          select count(*)::int as n from pg_locks
          where locktype = 'advisory' and not granted
            and database = (select oid from pg_database where datname = current_database())`
        )[0]?.n ?? 0) > 0;
      expect(await until(waiting)).toBe(true);
      batch.abort();
      // Give the server a moment to see the closed socket, then let the start go on.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await holder`select pg_advisory_unlock(hashtextextended(${key}, 0))`;
    } finally {
      holder.release();
    }
    // Whatever the start did, it did whole: a run with its job and its audit entry, or nothing.
    let stored = await storedBy(h, ws.workspaceId);
    await until(async () => {
      stored = await storedBy(h, ws.workspaceId);
      return stored.runs.length === 1;
    }, 3000);
    expect(stored.jobRunIds).toHaveLength(stored.runs.length);
    expect(stored.startEntries).toHaveLength(stored.runs.length);
    expect(stored.chain.break).toBeNull();
    expect(await until(() => watches.open() === 0)).toBe(true);
    expect(await openTransactions(h)).toEqual([]);
    const [run] = stored.runs;
    if (run) {
      const read = await eventsAsOwner(ws, run.id, async (all) => {
        if (all.length === 1)
          await finishAsRunner(h, ws.workspaceId, run.id, 'started by a client that left');
      });
      expect(read.map((e) => e.type)).toEqual(['status', 'columns', 'rows', 'done']);
    }
    expect(api.internalErrors()).toEqual([]);
  });

  it('twenty streams in four batches dropped at once: every watch closes, no connection is left in a transaction, the pool is clean', async () => {
    const ws = await freshWorkspace(h);
    const cellIds = await cellsIn(h, ws, 20);
    const headers = await cookieFor(h, ws.users.editor.id, ws.workspaceId);
    const before = watches.open();
    const batches = await Promise.all(
      [0, 1, 2, 3].map((b) =>
        streamBatch(
          api,
          headers,
          cellIds.slice(b * 5, b * 5 + 5).map((cellId) => startCall(ws, cellId)),
        ),
      ),
    );
    const all = (await Promise.all(batches.flatMap((b) => b.answers))).map((a) => started(a as StreamAnswer));
    for (const first of await Promise.all(all.map((s) => firstEvent(s.events)))) {
      expect(first).toEqual({ type: 'status', status: 'queued' });
    }
    expect(watches.open() - before).toBe(20);
    for (const batch of batches) batch.abort();
    expect(await until(() => watches.open() === 0)).toBe(true);
    expect(await openTransactions(h)).toEqual([]);
    expect(await poolIsClean(h)).toBe(true);
    // Every run is still there for its owner.
    expect((await storedBy(h, ws.workspaceId)).active).toHaveLength(20);
    expect(api.internalErrors()).toEqual([]);
  });
});

describe('the request ends one way only', () => {
  /** Reads `body` until a status event came, then stops reading (the lock stays held). */
  async function readUntilStatus(body: ReadableStream<Uint8Array>) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('"type":"status"')) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    return { reader, text };
  }

  it('only the response body is cancelled (the request’s signal never aborts): the stream ends and its watch closes', async () => {
    const ws = await freshWorkspace(h);
    const before = watches.opened();
    const signal = new AbortController();
    const res = await directStream(
      h,
      await cookieFor(h, ws.users.editor.id, ws.workspaceId),
      [startCall(ws)],
      signal.signal,
    );
    if (!res.body) throw new Error('no body');
    const { reader, text } = await readUntilStatus(res.body);
    expect(text).toContain('"status":"queued"');
    expect(watches.opened()).toBe(before + 1);
    expect(watches.open()).toBe(1);
    await reader.cancel();
    expect(await until(() => watches.open() === 0)).toBe(true);
    expect(signal.signal.aborted).toBe(false);
  });

  it('only the request’s signal aborts (the body is left unread): the stream ends and its watch closes', async () => {
    const ws = await freshWorkspace(h);
    const signal = new AbortController();
    const res = await directStream(
      h,
      await cookieFor(h, ws.users.editor.id, ws.workspaceId),
      [startCall(ws)],
      signal.signal,
    );
    if (!res.body) throw new Error('no body');
    const { reader, text } = await readUntilStatus(res.body);
    expect(text).toContain('"status":"queued"');
    expect(watches.open()).toBe(1);
    signal.abort();
    expect(await until(() => watches.open() === 0)).toBe(true);
    reader.releaseLock();
  });
});
