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
  it('answers the started run first, then its events, and leaves nothing of it behind', async () => {
    const editor = await h.as(h.a, 'editor');
    const cellId = await freshCell();
    const received: Event[] = [];
    let runId = '';
    const stream = (await editor.runs.query({
      projectId: h.a.projectId,
      cellId,
      source: 'select 7',
    })) as AsyncIterable<Event>;
    for await (const event of stream) {
      received.push(event);
      if (event.type === 'started') {
        const run = event.run as { id: string; status: string };
        runId = run.id;
        // The run as runs.start answers it, stored with its owner and the source saved into the cell.
        expect(run.status).toBe('queued');
        const [row] = await h.database.db.select().from(runs).where(eq(runs.id, run.id));
        expect(row).toMatchObject({ ownerId: h.a.users.editor.id, status: 'queued', source: 'select 7' });
      } else if (event.type === 'status' && event.status === 'queued') {
        // Told from the row the start stored; what the runner does next comes as news.
        await runnerWrites(runId, 'seven');
      }
    }
    // `running` is told when the take's news is read before the rest of the runner's: either way.
    const told = received.map((e) => (e.type === 'status' ? e.status : e.type));
    expect(told.filter((t) => t !== 'running')).toEqual(['started', 'queued', 'columns', 'rows', 'done']);
    expect(received.find((e) => e.type === 'rows')).toMatchObject({ batchRows: 1, rowCount: 1 });
    expect(await h.database.db.select().from(runChunks).where(eq(runChunks.runId, runId))).toEqual([]);
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
