import { cells, runChunks, runs } from '@quarry/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from '../testing';
import { refusal, runnerLeavesResult, sqlCellIn } from '../testing/fixtures';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(() => h?.close());

type Event = { type: string; [key: string]: unknown };

const freshCell = () => sqlCellIn(h, h.a, h.a.projectId, h.a.connectionId);
const runnerWrites = (runId: string, value: string) => runnerLeavesResult(h, h.a, runId, [value]);

describe('runs.query: a run started and streamed in one request', () => {
  it('answers the started run first, then its result as the runner writes it, and leaves nothing behind', async () => {
    const editor = await h.as(h.a, 'editor');
    const cellId = await freshCell();
    const stream = (await editor.runs.query({
      projectId: h.a.projectId,
      cellId,
      source: 'select 7',
    })) as AsyncIterable<Event>;
    const events = stream[Symbol.asyncIterator]();
    const first = await events.next();
    const run = (first.value as Event).run as { id: string; status: string };
    // The run as runs.start answers it, stored with its owner and the source saved into the cell.
    expect(first.value).toMatchObject({ type: 'started', run: { status: 'queued' } });
    const [row] = await h.database.db.select().from(runs).where(eq(runs.id, run.id));
    expect(row).toMatchObject({ ownerId: h.a.users.editor.id, status: 'queued', source: 'select 7' });
    // The stream reads the run as stored and waits; what the runner does then comes as news.
    const rest = (async () => {
      const received: Event[] = [];
      for (let next = await events.next(); !next.done; next = await events.next()) received.push(next.value);
      return received;
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await runnerWrites(run.id, 'seven');
    const received = await rest;
    // The result only: no status events.
    expect(received.map((e) => e.type)).toEqual(['columns', 'rows', 'done']);
    expect(received.find((e) => e.type === 'rows')).toMatchObject({ batchRows: 1, rowCount: 1 });
    expect(await h.database.db.select().from(runChunks).where(eq(runChunks.runId, run.id))).toEqual([]);
  });

  it('refuses a Viewer as runs.start does, storing no run and saving no source', async () => {
    const viewer = await h.as(h.a, 'viewer');
    const cellId = await freshCell();
    const refused = await refusal(
      viewer.runs.query({ projectId: h.a.projectId, cellId, source: 'select 1 as viewer_was_here' }),
    );
    expect(refused.quarry).toMatch(/^access\./);
    expect(await h.database.db.select().from(runs).where(eq(runs.cellId, cellId))).toEqual([]);
    const [cell] = await h.database.db.select().from(cells).where(eq(cells.id, cellId));
    expect(cell?.source).toBe('select 1');
  });

  it("treats another workspace's project as not found, starting nothing", async () => {
    const editorOfB = await h.as(h.b, 'editor');
    const cellId = await freshCell();
    const refused = await refusal(
      editorOfB.runs.query({ projectId: h.a.projectId, cellId, source: 'select 1' }),
    );
    expect(refused.quarry).toMatch(/^(not_found|access)\./);
    expect(await h.database.db.select().from(runs).where(eq(runs.cellId, cellId))).toEqual([]);
  });

  it('fails closed when the run as stored names a connection the workspace does not have', async () => {
    const editor = await h.as(h.a, 'editor');
    const cellId = await freshCell();
    const received: Event[] = [];
    const stream = (await editor.runs.query({
      projectId: h.a.projectId,
      cellId,
      source: 'select 8',
    })) as AsyncIterable<Event>;
    for await (const event of stream) {
      received.push(event);
      if (event.type === 'started') {
        const runId = (event.run as { id: string }).id;
        // The row changed after the start (its news makes the stream read it again): it now says
        // its result also derives from a connection the project does not import.
        await h.database.db
          .update(runs)
          .set({ connectionIds: [h.a.connectionId, 'conn_not_in_this_project'] })
          .where(eq(runs.id, runId));
        await runnerWrites(runId, 'secret eight');
      }
    }
    expect(received.map((e) => e.type)).toEqual(['started', 'error']);
    expect(received[1]).toMatchObject({ error: { code: 'run.connection_deleted' } });
    const text = JSON.stringify(received);
    expect(text).not.toContain('secret eight');
    expect(text).not.toContain('"columns"');
  });
});
