import type { RunEvent } from '@quarry/contracts';
import { connections, runChunks, runs } from '@quarry/db/schema';
import {
  chunkContext,
  RUN_CHUNK_TTL_MS,
  RUN_EVENTS_CHANNEL,
  RUN_STATUS_NEWS,
  sealColumns,
  sealRows,
} from '@quarry/results';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from '../testing';
import { refusal } from '../testing/fixtures';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(() => h?.close());

/** What a runner leaves for a run that read one row: its columns and rows sealed, the run succeeded. */
async function finishAsRunner(runId: string, row: string): Promise<void> {
  const expiresAt = new Date(Date.now() + RUN_CHUNK_TTL_MS);
  await h.database.db.insert(runChunks).values([
    {
      runId,
      seq: 0,
      rowCount: 0,
      payload: sealColumns(h.vault, chunkContext(h.a.workspaceId, runId, 0), [
        { name: 'n', type: 'text', dbType: 'text' },
      ]),
      expiresAt,
    },
    {
      runId,
      seq: 1,
      rowCount: 1,
      payload: sealRows(h.vault, chunkContext(h.a.workspaceId, runId, 1), [[row]]),
      expiresAt,
    },
  ]);
  const now = new Date();
  await h.database.db
    .update(runs)
    .set({ status: 'succeeded', rowCount: 1, startedAt: now, finishedAt: now })
    .where(eq(runs.id, runId));
  await h.database.sql`select pg_notify(${RUN_EVENTS_CHANNEL}, ${runId})`;
}

describe('runs.startAndStream: a run started and read in one call', () => {
  it('starts a run the caller owns and streams what the runner writes for it', async () => {
    const editor = await h.as(h.a, 'editor');
    const { run, events } = await editor.runs.startAndStream({
      projectId: h.a.projectId,
      cellId: h.a.cellId,
      source: 'select 1',
    });
    expect(run).toMatchObject({ status: 'queued', rowCount: null });
    const [stored] = await h.database.db.select().from(runs).where(eq(runs.id, run.id));
    expect(stored).toMatchObject({ ownerId: h.a.users.editor.id, workspaceId: h.a.workspaceId });

    const received: RunEvent[] = [];
    for await (const event of events as AsyncIterable<RunEvent>) {
      received.push(event);
      // The run is queued when the stream begins; the "runner" then writes its result.
      if (received.length === 1) await finishAsRunner(run.id, 'the row');
    }
    expect(received[0]).toEqual({ type: 'status', status: 'queued' });
    expect(received.slice(1).map((e) => e.type)).toEqual(['columns', 'rows', 'done']);
    expect(JSON.stringify(received)).toContain('the row');
    // Delivered once: nothing of the result is left behind.
    expect(await h.database.db.select().from(runChunks).where(eq(runChunks.runId, run.id))).toEqual([]);
  });

  it('tells a runner’s take as running from its news alone, without reading the run again', async () => {
    const editor = await h.as(h.a, 'editor');
    const { run, events } = await editor.runs.startAndStream({
      projectId: h.a.projectId,
      cellId: h.a.cellId,
      source: 'select 2',
    });
    const received: RunEvent[] = [];
    for await (const event of events as AsyncIterable<RunEvent>) {
      received.push(event);
      if (received.length === 1) {
        // Only the news of a take: the row still says queued, so an event saying running can only
        // come from the news, not from a read of the row.
        await h.database.sql`select pg_notify(${RUN_EVENTS_CHANNEL}, ${`${run.id}${RUN_STATUS_NEWS}`})`;
      } else if (received.length === 2) {
        await finishAsRunner(run.id, 'taken');
      }
    }
    expect(received.map((e) => (e.type === 'status' ? e.status : e.type))).toEqual([
      'queued',
      'running',
      'columns',
      'rows',
      'done',
    ]);
  });

  it('refuses a Viewer with the engine’s reason, and stores no run', async () => {
    const viewer = await h.as(h.a, 'viewer');
    const refused = await refusal(
      viewer.runs.startAndStream({ projectId: h.a.projectId, cellId: h.a.cellId, source: 'select 1' }),
    );
    expect(refused).toMatchObject({ code: 'FORBIDDEN', quarry: expect.stringMatching(/^access\./) });
    const stored = await h.database.db
      .select({ id: runs.id })
      .from(runs)
      .where(and(eq(runs.workspaceId, h.a.workspaceId), eq(runs.ownerId, h.a.users.viewer.id)));
    expect(stored).toEqual([]);
  });

  it('refuses a project of another workspace as not found', async () => {
    const outsider = await h.as(h.b, 'admin');
    const refused = await refusal(
      outsider.runs.startAndStream({ projectId: h.a.projectId, cellId: h.a.cellId, source: 'select 1' }),
    );
    expect(refused.code).toBe('NOT_FOUND');
  });

  it('refuses the result to a reader who lost Can view results before it was written: no column, no row', async () => {
    const editor = await h.as(h.a, 'editor');
    const { run, events } = await editor.runs.startAndStream({
      projectId: h.a.projectId,
      cellId: h.a.cellId,
      source: 'select 3',
    });
    const received: RunEvent[] = [];
    try {
      for await (const event of events as AsyncIterable<RunEvent>) {
        received.push(event);
        if (received.length === 1) {
          await h.database.db
            .update(connections)
            .set({ canViewResults: ['grp_nobody'], canQuery: ['grp_nobody'] })
            .where(eq(connections.id, h.a.connectionId));
          await finishAsRunner(run.id, 'the secret row');
        }
      }
    } finally {
      await h.database.db
        .update(connections)
        .set({ canViewResults: null, canQuery: null })
        .where(eq(connections.id, h.a.connectionId));
    }
    expect(received).toEqual([
      { type: 'status', status: 'queued' },
      { type: 'error', error: expect.objectContaining({ code: expect.stringMatching(/^access\./) }) },
    ]);
    expect(JSON.stringify(received)).not.toContain('the secret row');
  });
});
