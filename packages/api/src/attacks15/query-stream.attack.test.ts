import { projects, runs } from '@quarry/db/schema';
import { RUN_EVENTS_CHANNEL } from '@quarry/results';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectIn, refusal } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import {
  bodyReader,
  type Caller,
  chunksLeft,
  countingWatches,
  drain,
  type Event,
  httpCall,
  leaksResult,
  nextEvent,
  onlyRunOf,
  privateProject,
  runnerWritesSecret,
  SECRET_VALUE,
} from './kit';

// The stream half of runs.query: its run cancelled, read twice, read by others, aborted, and its
// row changed under it. Nothing of a result may reach a reader who may not see it.

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 2 });
}, 120_000);
afterAll(() => h?.close());

/**
 * runs.query by A's Editor on a project of its own, read past its `started` event and open: the
 * stream has read the run as stored and waits for news (runs.query sends no status events).
 */
async function openQuery(editor: Caller) {
  const s = await privateProject(h);
  const stream = (await editor.runs.query({
    projectId: s.projectId,
    cellId: s.cellId,
    source: 'select 1',
  })) as AsyncIterable<unknown>;
  const iterator = stream[Symbol.asyncIterator]();
  const started = await nextEvent(iterator);
  expect(started.type).toBe('started');
  const runId = (started.run as { id: string }).id;
  // Asked for its next event: it reads the run and waits for news of it.
  let pending: Promise<IteratorResult<unknown>> | null = iterator.next();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const opened: AsyncIterator<unknown> = {
    next: () => {
      const first = pending;
      pending = null;
      return first ?? iterator.next();
    },
    return: (value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ done: true, value }),
  };
  const rest = { [Symbol.asyncIterator]: () => opened };
  return { ...s, runId, iterator: opened, rest };
}

describe('cancelling and other readers', () => {
  it('its owner cancelling the run ends the open stream with run.cancelled, and nothing else', async () => {
    const editor = await h.as(h.a, 'editor');
    const q = await openQuery(editor);
    const other = await h.as(h.a, 'editor');
    await expect(other.runs.cancel({ runId: q.runId })).resolves.toMatchObject({ status: 'cancelled' });
    const { events, thrown } = await drain(q.rest, { ms: 5000 });
    expect(thrown).toBeNull();
    expect(events.map((e) => e.type)).toEqual(['error']);
    expect(events[0]).toMatchObject({ error: { code: 'run.cancelled' } });
    expect((await onlyRunOf(h, q.cellId)).status).toBe('cancelled');
  });

  it("another member (even an Admin) can neither cancel nor read the run runs.query started; the owner's stream still gets it", async () => {
    const editor = await h.as(h.a, 'editor');
    const q = await openQuery(editor);
    for (const caller of [await h.as(h.a, 'admin'), await h.as(h.a, 'manager'), await h.as(h.b, 'admin')]) {
      expect((await refusal(caller.runs.cancel({ runId: q.runId }))).code).toBe('NOT_FOUND');
      expect((await refusal(caller.runs.events({ runId: q.runId }))).code).toBe('NOT_FOUND');
    }
    expect((await onlyRunOf(h, q.cellId)).status).toBe('queued');
    await runnerWritesSecret(h, q.runId);
    const { events, text } = await drain(q.rest);
    expect(text).toContain(SECRET_VALUE);
    expect(events.at(-1)).toMatchObject({ type: 'done', rowCount: 1 });
    expect(await chunksLeft(h, q.runId)).toBe(0);
  });

  it('two readers of one run (runs.query and the owner’s runs.events): each ends, neither hangs, nothing is left', async () => {
    const editor = await h.as(h.a, 'editor');
    const q = await openQuery(editor);
    const second = drain(await editor.runs.events({ runId: q.runId }), { ms: 5000 });
    await runnerWritesSecret(h, q.runId);
    const [first, other] = await Promise.all([drain(q.rest, { ms: 5000 }), second]);
    expect(first.thrown).toBeNull();
    expect(other.thrown).toBeNull();
    for (const read of [first, other]) {
      const last = read.events.at(-1);
      expect(['done', 'error']).toContain(last?.type);
      if (last?.type === 'error') expect(last.error).toMatchObject({ code: 'run.results_expired' });
    }
    // At least one of them had the whole result.
    expect([first, other].some((r) => r.events.at(-1)?.type === 'done')).toBe(true);
    expect(await chunksLeft(h, q.runId)).toBe(0);
  });

  it('a stream given up (return) stops watching at its next event, and the run is not cancelled by it', async () => {
    const editor = await h.as(h.a, 'editor');
    await countingWatches(h, async (watched) => {
      const q = await openQuery(editor);
      expect(watched.get(q.runId)).toBe(1);
      // In this process the give-up waits for the stream's next event (over HTTP the request's
      // signal ends the wait at once: see the aborted request below); the result brings it.
      const givenUp = q.iterator.return?.();
      await runnerWritesSecret(h, q.runId);
      await givenUp;
      expect(watched.get(q.runId)).toBe(0);
      expect((await onlyRunOf(h, q.cellId)).status).toBe('succeeded');
    });
  });

  it('an HTTP request aborted while its stream waits ends the stream (the watch is closed)', async () => {
    const s = await privateProject(h);
    await countingWatches(h, async (open) => {
      const abort = new AbortController();
      const res = await httpCall(h, {
        userId: h.a.users.editor.id,
        workspaceId: h.a.workspaceId,
        calls: [
          { path: 'runs.query', input: { projectId: s.projectId, cellId: s.cellId, source: 'select 1' } },
        ],
        signal: abort.signal,
      });
      const body = bodyReader(res);
      expect(await body.until('"queued"')).toBe(true);
      const run = await onlyRunOf(h, s.cellId);
      expect(open.get(run.id)).toBe(1);
      abort.abort();
      await body.cancel().catch(() => {});
      const deadline = Date.now() + 3000;
      while ((open.get(run.id) ?? 0) > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(open.get(run.id)).toBe(0);
    });
  });
});

describe('the run row changed under the open stream', () => {
  it('moved to workspace B: the stream ends with nothing of the result', async () => {
    const editor = await h.as(h.a, 'editor');
    const s = await privateProject(h);
    const stream = (await editor.runs.query({
      projectId: s.projectId,
      cellId: s.cellId,
      source: 'select 1',
    })) as AsyncIterable<unknown>;
    const run = await onlyRunOf(h, s.cellId);
    await runnerWritesSecret(h, run.id);
    await h.database.db.update(runs).set({ workspaceId: h.b.workspaceId }).where(eq(runs.id, run.id));
    await h.database.sql`select pg_notify(${RUN_EVENTS_CHANNEL}, ${run.id})`;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { events, text } = await drain(stream, { ms: 5000 });
    expect(events[0]?.type).toBe('started');
    expect(leaksResult(text), text).toBe(false);
  });

  it('moved to a project of A closed to its owner: runs.events refuses it (the rule)', async () => {
    const editor = await h.as(h.a, 'editor');
    const s = await privateProject(h);
    const run = await editor.runs.start({ projectId: s.projectId, cellId: s.cellId, source: 'select 1' });
    await runnerWritesSecret(h, run.id);
    const closed = await projectIn(h, h.a, [{ userId: h.a.users.manager.id, permission: 'can_edit' }]);
    await h.database.db.update(runs).set({ projectId: closed }).where(eq(runs.id, run.id));
    const { events, text } = await drain(await editor.runs.events({ runId: run.id }));
    expect(events.map((e) => e.type)).toEqual(['error']);
    expect(leaksResult(text)).toBe(false);
  });

  it('gates a run moved (row edited in the database) to a project of A closed to its owner by the project it is in now: no rows', async () => {
    const editor = await h.as(h.a, 'editor');
    const s = await privateProject(h);
    const stream = (await editor.runs.query({
      projectId: s.projectId,
      cellId: s.cellId,
      source: 'select 1',
    })) as AsyncIterable<unknown>;
    const run = await onlyRunOf(h, s.cellId);
    await runnerWritesSecret(h, run.id);
    const closed = await projectIn(h, h.a, [{ userId: h.a.users.manager.id, permission: 'can_edit' }]);
    await h.database.db.update(runs).set({ projectId: closed }).where(eq(runs.id, run.id));
    // News of it: the stream reads the row again rather than using the one the start stored.
    await h.database.sql`select pg_notify(${RUN_EVENTS_CHANNEL}, ${run.id})`;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { events, text } = await drain(stream, { ms: 5000 });
    expect(events[0]?.type).toBe('started');
    expect(leaksResult(text), text).toBe(false);
    expect((await h.database.db.select().from(projects).where(eq(projects.id, closed))).length).toBe(1);
  });

  it('a run the runner refused at its own gate (failed with an access error) ends the open stream with that error alone', async () => {
    // The runner's gate, decided from the database when it takes the run, failed it.
    const editor = await h.as(h.a, 'editor');
    const q = await openQuery(editor);
    await h.database.db
      .update(runs)
      .set({
        status: 'failed',
        finishedAt: new Date(),
        error: { code: 'access.cannot_view_results', message: 'You cannot view results of warehouse' },
      })
      .where(eq(runs.id, q.runId));
    await h.database.sql`select pg_notify(${RUN_EVENTS_CHANNEL}, ${q.runId})`;
    const { events } = await drain(q.rest, { ms: 5000 });
    expect(events.map((e: Event) => e.type)).toEqual(['error']);
    expect(events[0]).toMatchObject({ error: { code: 'access.cannot_view_results' } });
  });
});
