import type { RunEvent } from '@quarry/contracts';
import { MAX_CALLS_PER_REQUEST } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import { cellsIn, expectNoInternals, sourcesOf, storedBy, userCapRefusal } from '../attacks10/kit';
import type { ApiHarness } from '../testing/harness';
import {
  chunksOf,
  cookieFor,
  type countWatches,
  finishAsRunner,
  finishedRun,
  firstEvent,
  freshWorkspace,
  type HttpApi,
  plainBatch,
  readAll,
  type StreamAnswer,
  started,
  streamBatch,
  until,
  useHttpApi,
} from './kit';

// Many runs.startAndStream calls at once over real HTTP: in one batch, in parallel batches, next
// to runs.events reads of other people's runs. Each stream must carry its own run's events only,
// the per-user cap of active runs (25) must hold exactly as it does for runs.start, and a refused
// call must leave nothing.
let h: ApiHarness;
let api: HttpApi;
let watches: ReturnType<typeof countWatches>;

useHttpApi((setup) => {
  ({ h, api, watches } = setup);
});

const startCall = (projectId: string, cellId: string, source: string) => ({
  path: 'runs.startAndStream',
  input: { projectId, cellId, source },
});
const markerOf = (runId: string) => `secret-of-${runId}`;
const rowsText = (events: RunEvent[]) =>
  events.flatMap((e) => (e.type === 'rows' ? [e.batch] : [])).join('\n');

describe('one batch of many starts', () => {
  it(`${MAX_CALLS_PER_REQUEST} starts on ${MAX_CALLS_PER_REQUEST} cells in one streamed batch: ${MAX_CALLS_PER_REQUEST} runs, and each stream carries its own run's events only`, async () => {
    const ws = await freshWorkspace(h);
    const cellIds = await cellsIn(h, ws, MAX_CALLS_PER_REQUEST);
    const headers = await cookieFor(h, ws.users.editor.id, ws.workspaceId);
    const batch = await streamBatch(
      api,
      headers,
      cellIds.map((cellId, i) => startCall(ws.projectId, cellId, `select ${i} as n`)),
    );
    const runsStarted = (await Promise.all(batch.answers)).map(started);
    const ids = runsStarted.map((r) => r.run.id);
    expect(new Set(ids).size).toBe(MAX_CALLS_PER_REQUEST);
    const stored = await storedBy(h, ws.workspaceId);
    expect(stored.runs.map((r) => r.id).sort()).toEqual([...ids].sort());
    // Run i is cell i's, owned by the caller.
    for (const [i, { run }] of runsStarted.entries()) {
      const row = stored.runs.find((r) => r.id === run.id);
      expect(row).toMatchObject({ cell_id: cellIds[i], owner_id: ws.users.editor.id });
    }
    // Every stream reads on; each run is finished "by the runner" once its stream has begun, with
    // a row naming the run.
    const read = await Promise.all(
      runsStarted.map(({ run, events }) =>
        readAll(events, async (_, all) => {
          if (all.length === 1) await finishAsRunner(h, ws.workspaceId, run.id, markerOf(run.id));
        }),
      ),
    );
    for (const [i, events] of read.entries()) {
      const own = ids[i] as string;
      expect(events.map((e) => e.type)).toEqual(['status', 'columns', 'rows', 'done']);
      expect(rowsText(events)).toContain(markerOf(own));
      for (const otherId of ids) if (otherId !== own) expect(JSON.stringify(events)).not.toContain(otherId);
      expect(await chunksOf(h, own)).toBe(0);
    }
    expect(await until(() => watches.open() === 0)).toBe(true);
    expectNoInternals(await batch.text());
  });

  it('the same cell twice in one batch: one run supersedes the other, whose stream ends with the cancel and none of the other’s rows', async () => {
    const ws = await freshWorkspace(h);
    const headers = await cookieFor(h, ws.users.editor.id, ws.workspaceId);
    const batch = await streamBatch(api, headers, [
      startCall(ws.projectId, ws.cellId, 'select 1 as first'),
      startCall(ws.projectId, ws.cellId, 'select 2 as second'),
    ]);
    const both = (await Promise.all(batch.answers)).map(started);
    const stored = await storedBy(h, ws.workspaceId);
    expect(stored.runs).toHaveLength(2);
    expect(stored.active).toHaveLength(1);
    const live = stored.active[0]?.id as string;
    const loser = both.find((b) => b.run.id !== live);
    const winner = both.find((b) => b.run.id === live);
    if (!loser || !winner) throw new Error('expected one live run and one superseded');
    const [lost, won] = await Promise.all([
      readAll(loser.events),
      readAll(winner.events, async (_, all) => {
        if (all.length === 1) await finishAsRunner(h, ws.workspaceId, live, markerOf(live));
      }),
    ]);
    expect(lost.at(-1)).toEqual({
      type: 'error',
      error: expect.objectContaining({
        code: 'run.cancelled',
        message: 'The run was cancelled: the cell was run again',
      }),
    });
    expect(lost.filter((e) => e.type !== 'status' && e.type !== 'error')).toEqual([]);
    expect(JSON.stringify(lost)).not.toContain(markerOf(live));
    expect(won.map((e) => e.type)).toEqual(['status', 'columns', 'rows', 'done']);
    expect(rowsText(won)).toContain(markerOf(live));
    expect(await until(() => watches.open() === 0)).toBe(true);
  });

  it('a start by another member on the same cell, in parallel, supersedes nothing of the first member’s and shares none of its rows', async () => {
    const ws = await freshWorkspace(h);
    const [editorHeaders, managerHeaders] = await Promise.all([
      cookieFor(h, ws.users.editor.id, ws.workspaceId),
      cookieFor(h, ws.users.manager.id, ws.workspaceId),
    ]);
    const [mine, theirs] = await Promise.all([
      streamBatch(api, editorHeaders, [startCall(ws.projectId, ws.cellId, 'select 1 as mine')]),
      streamBatch(api, managerHeaders, [startCall(ws.projectId, ws.cellId, 'select 2 as theirs')]),
    ]);
    const a = started((await mine.answers[0]) as StreamAnswer);
    const b = started((await theirs.answers[0]) as StreamAnswer);
    expect((await storedBy(h, ws.workspaceId)).active.map((r) => r.id).sort()).toEqual(
      [a.run.id, b.run.id].sort(),
    );
    const [readA, readB] = await Promise.all([
      readAll(a.events, async (_, all) => {
        if (all.length === 1) await finishAsRunner(h, ws.workspaceId, a.run.id, markerOf(a.run.id));
      }),
      readAll(b.events, async (_, all) => {
        if (all.length === 1) await finishAsRunner(h, ws.workspaceId, b.run.id, markerOf(b.run.id));
      }),
    ]);
    expect(rowsText(readA)).toContain(markerOf(a.run.id));
    expect(JSON.stringify(readA)).not.toContain(b.run.id);
    expect(rowsText(readB)).toContain(markerOf(b.run.id));
    expect(JSON.stringify(readB)).not.toContain(a.run.id);
    expect(JSON.stringify(await mine.text())).not.toContain(b.run.id);
    expect(JSON.stringify(await theirs.text())).not.toContain(a.run.id);
  });
});

describe('one batch, several workspaces', () => {
  it("a batch of the caller's own start and starts on another workspace's project and cell: the own run streams, the others are NOT_FOUND, and the other workspace is untouched", async () => {
    const ws = await freshWorkspace(h);
    const other = await freshWorkspace(h);
    const headers = await cookieFor(h, ws.users.editor.id, ws.workspaceId);
    const batch = await streamBatch(api, headers, [
      startCall(other.projectId, other.cellId, 'select 9 as theirs'),
      startCall(ws.projectId, ws.cellId, 'select 9 as mine'),
      startCall(ws.projectId, other.cellId, 'select 9 as theirs'),
      startCall(other.projectId, ws.cellId, 'select 9 as theirs'),
    ]);
    const [a, b, c, d] = (await Promise.all(batch.answers)) as StreamAnswer[];
    for (const refused of [a, c, d]) expect(refused?.error?.data.code).toBe('NOT_FOUND');
    const own = started(b as StreamAnswer);
    const read = await readAll(own.events, async (_, all) => {
      if (all.length === 1) await finishAsRunner(h, ws.workspaceId, own.run.id, markerOf(own.run.id));
    });
    expect(read.map((e) => e.type)).toEqual(['status', 'columns', 'rows', 'done']);
    const theirs = await storedBy(h, other.workspaceId);
    expect({ runs: theirs.runs, jobs: theirs.jobRunIds, entries: theirs.startEntries }).toEqual({
      runs: [],
      jobs: [],
      entries: [],
    });
    expect((await sourcesOf(h, [other.cellId])).get(other.cellId)).toBe('select 1 as one');
    expect((await storedBy(h, ws.workspaceId)).runs.map((r) => r.id)).toEqual([own.run.id]);
    const text = await batch.text();
    expect(text).not.toContain(other.connectionId);
    expectNoInternals(text);
  });
});

describe("next to reads of other people's runs", () => {
  it("runs.events of another member's run, of another workspace's run, sent in parallel with a start (and a stream of them in the same batch): NOT_FOUND, their chunks untouched, and the start's stream carries none of their rows", async () => {
    const ws = await freshWorkspace(h);
    const other = await freshWorkspace(h);
    const managersRun = await finishedRun(h, ws, ws.users.manager.id, 'the manager’s secret row');
    const othersRun = await finishedRun(h, other, other.users.editor.id, 'the other workspace’s secret row');
    const before = { managers: await chunksOf(h, managersRun), others: await chunksOf(h, othersRun) };
    expect(before).toEqual({ managers: 2, others: 2 });
    const headers = await cookieFor(h, ws.users.editor.id, ws.workspaceId);
    const events = (runId: string) => ({ path: 'runs.events', input: { runId } });
    const cellIds = await cellsIn(h, ws, 3);
    const [starts, reads, adminReads] = await Promise.all([
      streamBatch(
        api,
        headers,
        cellIds.map((cellId) => startCall(ws.projectId, cellId, 'select 3 as n')),
      ),
      // A GET of runs.events, as httpBatchStreamLink sends queries, of both runs at once.
      streamBatch(api, headers, [events(managersRun), events(othersRun), events(managersRun)], 'GET'),
      // Even the other workspace's Admin cannot read into this one.
      streamBatch(
        api,
        await cookieFor(h, other.users.admin.id, other.workspaceId),
        [events(managersRun)],
        'GET',
      ),
    ]);
    for (const answer of [...reads.answers, ...adminReads.answers]) {
      const settled = await answer;
      expect(settled.error?.data).toMatchObject({ code: 'NOT_FOUND', quarry: { code: 'not_found.run' } });
    }
    const own = (await Promise.all(starts.answers)).map(started);
    const read = await Promise.all(
      own.map(({ run, events: stream }) =>
        readAll(stream, async (_, all) => {
          if (all.length === 1) await finishAsRunner(h, ws.workspaceId, run.id, markerOf(run.id));
        }),
      ),
    );
    for (const [i, eventsRead] of read.entries()) {
      expect(rowsText(eventsRead)).toContain(markerOf(own[i]?.run.id as string));
      expect(JSON.stringify(eventsRead)).not.toMatch(/secret row/);
    }
    for (const batch of [starts, reads, adminReads]) {
      const text = await batch.text();
      expect(text).not.toMatch(/secret row/);
      expect(text).not.toContain('their_secret');
      expectNoInternals(text);
    }
    // Their results are still there, whole, for their owners alone.
    expect({ managers: await chunksOf(h, managersRun), others: await chunksOf(h, othersRun) }).toEqual(
      before,
    );
    const managerRead = await streamBatch(
      api,
      await cookieFor(h, ws.users.manager.id, ws.workspaceId),
      [events(managersRun)],
      'GET',
    );
    const managerEvents = await readAll(
      ((await managerRead.answers[0]) as { data: AsyncIterable<RunEvent> }).data,
    );
    expect(managerEvents.map((e) => e.type)).toEqual(['columns', 'rows', 'done']);
    expect(rowsText(managerEvents)).toContain('the manager’s secret row');
    expect(await until(() => watches.open() === 0)).toBe(true);
  });
});

describe('the per-user cap of active runs (25)', () => {
  it('60 starts in 6 parallel streamed batches of 10: exactly 25 run and stream, 35 get the exact typed refusal and leave nothing', async () => {
    const ws = await freshWorkspace(h);
    const cellIds = await cellsIn(h, ws, 60);
    const headers = await cookieFor(h, ws.users.editor.id, ws.workspaceId);
    const sent = (i: number) => `select ${i} as n -- streamed`;
    const batches = await Promise.all(
      Array.from({ length: 6 }, (_, b) =>
        streamBatch(
          api,
          headers,
          cellIds
            .slice(b * 10, b * 10 + 10)
            .map((cellId, j) => startCall(ws.projectId, cellId, sent(b * 10 + j))),
        ),
      ),
    );
    try {
      const answers = (await Promise.all(batches.flatMap((b) => b.answers))) as StreamAnswer[];
      const accepted = new Map<string, string>();
      const refusedCells: string[] = [];
      const firsts: Promise<RunEvent | undefined>[] = [];
      for (const [i, answer] of answers.entries()) {
        const cellId = cellIds[i] as string;
        if (answer.error) {
          refusedCells.push(cellId);
          expect(answer.error.data).toEqual({
            code: 'TOO_MANY_REQUESTS',
            httpStatus: 429,
            path: 'runs.startAndStream',
            quarry: userCapRefusal(25),
          });
          continue;
        }
        const s = started(answer);
        accepted.set(cellId, s.run.id);
        firsts.push(firstEvent(s.events));
      }
      expect(accepted.size).toBe(25);
      expect(refusedCells).toHaveLength(35);
      // Every accepted run's stream is live and says it is queued.
      for (const first of await Promise.all(firsts))
        expect(first).toEqual({ type: 'status', status: 'queued' });
      const stored = await storedBy(h, ws.workspaceId);
      const ids = [...accepted.values()].sort();
      expect(stored.runs.map((r) => r.id).sort()).toEqual(ids);
      expect(stored.active).toHaveLength(25);
      expect(stored.jobRunIds).toEqual(ids);
      expect(stored.startEntries.map((e) => e.target_id).sort()).toEqual(ids);
      expect(stored.chain.break).toBeNull();
      const saved = await sourcesOf(h, cellIds);
      for (const cellId of refusedCells) expect(saved.get(cellId)).toBe('select 1');
      for (const cellId of accepted.keys()) expect(saved.get(cellId)).toBe(sent(cellIds.indexOf(cellId)));
      expect(watches.open()).toBe(25);

      // At the cap, both procedures refuse a new cell alike; running an active cell again passes.
      const newCell = (await cellsIn(h, ws, 1))[0] as string;
      const activeCell = [...accepted.keys()][0] as string;
      const [viaStream, viaStart, again] = await Promise.all([
        streamBatch(api, headers, [startCall(ws.projectId, newCell, 'select 61')]),
        plainBatch(api, headers, [
          { path: 'runs.start', input: { projectId: ws.projectId, cellId: newCell, source: 'select 62' } },
        ]),
        streamBatch(api, headers, [startCall(ws.projectId, activeCell, 'select 63')]),
      ]);
      const streamRefusal = ((await viaStream.answers[0]) as StreamAnswer).error?.data;
      const startRefusal = viaStart.answers[0]?.error?.json.data;
      expect(streamRefusal).toMatchObject({ code: 'TOO_MANY_REQUESTS', quarry: userCapRefusal(25) });
      expect(startRefusal).toMatchObject({ code: 'TOO_MANY_REQUESTS', quarry: userCapRefusal(25) });
      const rerun = started((await again.answers[0]) as StreamAnswer);
      expect(await firstEvent(rerun.events)).toEqual({ type: 'status', status: 'queued' });
      batches.push(viaStream, again);
      const after = await storedBy(h, ws.workspaceId);
      expect(after.active).toHaveLength(25);
      expect(after.runs).toHaveLength(26);
      expect((await sourcesOf(h, [newCell])).get(newCell)).toBe('select 1');
    } finally {
      for (const batch of batches) batch.abort();
    }
    // Dropping the connections ends every stream: no watch is left.
    expect(await until(() => watches.open() === 0)).toBe(true);
    expect(api.internalErrors()).toEqual([]);
  });

  it('runs.start and runs.startAndStream raced together (15 + 15 on 30 cells) share one cap: exactly 25 accepted in all', async () => {
    const ws = await freshWorkspace(h);
    const cellIds = await cellsIn(h, ws, 30);
    const headers = await cookieFor(h, ws.users.editor.id, ws.workspaceId);
    const plainCells = cellIds.filter((_, i) => i % 2 === 0);
    const streamCells = cellIds.filter((_, i) => i % 2 === 1);
    const chunks = <T>(xs: T[]) => [xs.slice(0, 5), xs.slice(5, 10), xs.slice(10)];
    const [plains, streams] = await Promise.all([
      Promise.all(
        chunks(plainCells).map((part) =>
          plainBatch(
            api,
            headers,
            part.map((cellId) => ({
              path: 'runs.start',
              input: { projectId: ws.projectId, cellId, source: 'select 7' },
            })),
          ),
        ),
      ),
      Promise.all(
        chunks(streamCells).map((part) =>
          streamBatch(
            api,
            headers,
            part.map((cellId) => startCall(ws.projectId, cellId, 'select 8')),
          ),
        ),
      ),
    ]);
    try {
      const plainAnswers = plains.flatMap((p) => p.answers) as {
        result?: { data: { json: { id: string } } };
        error?: { json: { data: { quarry: unknown } } };
      }[];
      const streamAnswers = (await Promise.all(streams.flatMap((s) => s.answers))) as StreamAnswer[];
      const acceptedIds = [
        ...plainAnswers.flatMap((a) => (a.result ? [a.result.data.json.id] : [])),
        ...streamAnswers.flatMap((a) => (a.error ? [] : [started(a).run.id])),
      ];
      const refusals = [
        ...plainAnswers.flatMap((a) => (a.error ? [a.error.json.data.quarry] : [])),
        ...streamAnswers.flatMap((a) => (a.error ? [a.error.data.quarry] : [])),
      ];
      expect(acceptedIds).toHaveLength(25);
      expect(refusals).toHaveLength(5);
      for (const refusal of refusals) expect(refusal).toEqual(userCapRefusal(25));
      const stored = await storedBy(h, ws.workspaceId);
      expect(stored.runs.map((r) => r.id).sort()).toEqual([...acceptedIds].sort());
      expect(stored.jobRunIds).toEqual([...acceptedIds].sort());
      expect(stored.startEntries).toHaveLength(25);
    } finally {
      for (const batch of streams) batch.abort();
    }
    expect(await until(() => watches.open() === 0)).toBe(true);
  });
});
