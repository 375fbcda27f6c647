import type { RunEvent } from '@quarry/contracts';
import { connections } from '@quarry/db/schema';
import type { WorkspaceFixture } from '@quarry/db/testing';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { storedBy } from '../attacks10/kit';
import { groupIn } from '../testing/fixtures';
import type { ApiHarness } from '../testing/harness';
import {
  chunksOf,
  cookieFor,
  type countWatches,
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

// The results gate of runs.startAndStream is decided from the facts the access middleware loaded
// for the request (refuseStartedRunResults), not read again like runs.events does at its first
// read. Attacks: lose Can query / Can view results on the connection at several moments around the
// start, and see what the API sends of rows the "runner" writes afterwards. (In production the
// runner's own gate would refuse such a run too; these tests look at the API's gate alone.)
let h: ApiHarness;
let api: HttpApi;
let watches: ReturnType<typeof countWatches>;

useHttpApi((setup) => {
  ({ h, api, watches } = setup);
});

const MARKER = 'row-the-reader-may-no-longer-see';
const startCall = (ws: WorkspaceFixture, source = 'select 1 as n') => ({
  path: 'runs.startAndStream',
  input: { projectId: ws.projectId, cellId: ws.cellId, source },
});

/** Takes Can query and Can view results on the workspace's connection away from everyone but Admins. */
const revoke = (ws: WorkspaceFixture) =>
  h.database.db
    .update(connections)
    .set({ canQuery: ['grp_nobody'], canViewResults: ['grp_nobody'] })
    .where(eq(connections.id, ws.connectionId));

/** The owner's runs.events over HTTP (a GET, as httpBatchStreamLink sends it), read to its end. */
async function eventsAsOwner(ws: WorkspaceFixture, runId: string) {
  const batch = await streamBatch(
    api,
    await cookieFor(h, ws.users.editor.id, ws.workspaceId),
    [{ path: 'runs.events', input: { runId } }],
    'GET',
  );
  const answer = (await batch.answers[0]) as StreamAnswer;
  if (answer.error) throw new Error(JSON.stringify(answer.error));
  return { events: await readAll(answer.data as AsyncIterable<RunEvent>), text: await batch.text() };
}

const expectRefusedWithoutRows = (events: RunEvent[]) => {
  expect(events.filter((e) => e.type === 'columns' || e.type === 'rows' || e.type === 'done')).toEqual([]);
  expect(events.at(-1)).toEqual({
    type: 'error',
    error: expect.objectContaining({ code: expect.stringMatching(/^access\./) }),
  });
  expect(JSON.stringify(events)).not.toContain(MARKER);
};

describe('permissions lost before the request', () => {
  it('a member without Can query on the connection, or with Can view results only, cannot start and stream: typed FORBIDDEN, nothing stored', async () => {
    const ws = await freshWorkspace(h);
    const onlyResults = await groupIn(h, ws, [ws.users.editor.id]);
    await h.database.db
      .update(connections)
      .set({ canQuery: ['grp_nobody'], canViewResults: [onlyResults] })
      .where(eq(connections.id, ws.connectionId));
    const opened = watches.opened();
    const batch = await streamBatch(api, await cookieFor(h, ws.users.editor.id, ws.workspaceId), [
      startCall(ws),
    ]);
    const answer = (await batch.answers[0]) as StreamAnswer;
    expect(answer.error?.data).toMatchObject({
      code: 'FORBIDDEN',
      quarry: { code: expect.stringMatching(/^access\./) },
    });
    const stored = await storedBy(h, ws.workspaceId);
    expect({ runs: stored.runs, jobs: stored.jobRunIds, entries: stored.startEntries }).toEqual({
      runs: [],
      jobs: [],
      entries: [],
    });
    expect(watches.opened()).toBe(opened);
  });
});

describe('permissions lost after the start', () => {
  it("the owner's later runs.events of a startAndStream run whose stream was dropped is refused once Can view results is gone, and sends none of its rows", async () => {
    const ws = await freshWorkspace(h);
    const batch = await streamBatch(api, await cookieFor(h, ws.users.editor.id, ws.workspaceId), [
      startCall(ws),
    ]);
    const { run, events } = started((await batch.answers[0]) as StreamAnswer);
    expect(await firstEvent(events)).toEqual({ type: 'status', status: 'queued' });
    batch.abort();
    expect(await until(() => watches.openOf(run.id) === 0)).toBe(true);
    await revoke(ws);
    await finishAsRunner(h, ws.workspaceId, run.id, MARKER);
    const read = await eventsAsOwner(ws, run.id);
    expectRefusedWithoutRows(read.events);
    expect(read.text).not.toContain(MARKER);
    // The result is still there, unread.
    expect(await chunksOf(h, run.id)).toBe(2);
  });

  // Found by this attack: the stream's gate was decided once, from the facts the access middleware
  // read before the run existed, so Can query and Can view results taken away while the run waited
  // for its rows did not stop them. The gate is now decided from the database when the stream first
  // reads the result, before any column or row goes out. (A stream, this one or runs.events, still
  // decides it once: a permission removed after the first rows went out does not stop the rest.)
  it('Can query and Can view results removed after the stream opened, before any row: the stream sends none of the rows written afterwards', async () => {
    const ws = await freshWorkspace(h);
    const batch = await streamBatch(api, await cookieFor(h, ws.users.editor.id, ws.workspaceId), [
      startCall(ws),
    ]);
    try {
      const { run, events } = started((await batch.answers[0]) as StreamAnswer);
      expect(await firstEvent(events)).toEqual({ type: 'status', status: 'queued' });
      await revoke(ws);
      await finishAsRunner(h, ws.workspaceId, run.id, MARKER);
      const rest = await readAll(events);
      expectRefusedWithoutRows(rest);
    } finally {
      batch.abort();
    }
  });

  // Found by this attack: the permission is removed, and committed, while the start waits for the
  // workspace's run lock, before the run row exists. The start itself goes through on the facts read
  // before (as runs.start does: the runner's gate is what refuses such a run in production); the
  // stream sent the run's rows on those same facts. Its gate now reads them when the result is
  // first read, as a runs.events opened then would.
  it('Can query and Can view results removed while the start waits, before the run is recorded: the stream sends none of its rows', async () => {
    const ws = await freshWorkspace(h);
    const key = `runs.active:${ws.workspaceId}`;
    const holder = await h.deps.sql.reserve();
    let batch: Awaited<ReturnType<typeof streamBatch>> | null = null;
    try {
      await holder`select pg_advisory_lock(hashtextextended(${key}, 0))`;
      batch = await streamBatch(api, await cookieFor(h, ws.users.editor.id, ws.workspaceId), [startCall(ws)]);
      // The start is inside its transaction, waiting for the lock the test holds.
      const waiting = async () =>
        ((
          await h.deps.sql<{ n: number }[]>`
          select count(*)::int as n from pg_locks
          where locktype = 'advisory' and not granted
            and database = (select oid from pg_database where datname = current_database())`
        )[0]?.n ?? 0) > 0;
      expect(await until(waiting)).toBe(true);
      await revoke(ws);
      await holder`select pg_advisory_unlock(hashtextextended(${key}, 0))`;
      const { run, events } = started((await batch.answers[0]) as StreamAnswer);
      // Anyone reading it now through runs.events is refused; this stream is not.
      const first = await firstEvent(events);
      await finishAsRunner(h, ws.workspaceId, run.id, MARKER);
      const rest = await readAll(events);
      expectRefusedWithoutRows([...(first ? [first] : []), ...rest]);
    } finally {
      holder.release();
      batch?.abort();
    }
  });
});
