import type { RunEvent } from '@quarry/contracts';
import { newId } from '@quarry/db';
import { verifyAuditChain } from '@quarry/db/audit';
import { auditEvents, connections, runChunks, runs } from '@quarry/db/schema';
import {
  chunkContext,
  RUN_CHUNK_TTL_MS,
  RUN_EVENTS_CHANNEL,
  RUN_STATUS_NEWS,
  sealColumns,
  sealRows,
} from '@quarry/results';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, createApiHarness } from '../testing';
import { refusal, sqlCellIn } from '../testing/fixtures';

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(() => h?.close());

type Seal = (context: ReturnType<typeof chunkContext>) => Buffer;

/** One chunk of a run of A's workspace, sealed under its own context as the runner seals it. */
const chunkOf = (
  runId: string,
  seq: number,
  rowCount: number,
  seal: Seal,
  expiresAt = new Date(Date.now() + RUN_CHUNK_TTL_MS),
) => ({ runId, seq, rowCount, payload: seal(chunkContext(h.a.workspaceId, runId, seq)), expiresAt });
const textColumn =
  (name: string): Seal =>
  (context) =>
    sealColumns(h.vault, context, [{ name, type: 'text', dbType: 'text' }]);
const oneRow =
  (value: string): Seal =>
  (context) =>
    sealRows(h.vault, context, [[value]]);

/** The run ended with its rows counted, as the runner's finish leaves it, and its readers told. */
async function succeeded(runId: string, rowCount: number): Promise<void> {
  const now = new Date();
  await h.database.db
    .update(runs)
    .set({ status: 'succeeded', rowCount, startedAt: now, finishedAt: now })
    .where(eq(runs.id, runId));
  await tell(runId);
}

/** Tells a run's readers it has news, as the runner's commits do. */
const tell = (runId: string, news = runId) =>
  h.database.sql`select pg_notify(${RUN_EVENTS_CHANNEL}, ${news})`;

/** A finished run of A's Editor with its result still in chunks, as the runner leaves it. */
async function finishedRun(expiresAt: Date): Promise<string> {
  const id = newId('run');
  await h.database.db.insert(runs).values({
    id,
    workspaceId: h.a.workspaceId,
    projectId: h.a.projectId,
    cellId: h.a.cellId,
    ownerId: h.a.users.editor.id,
    connectionId: h.a.connectionId,
    source: 'select secret from somewhere',
    rowLimit: 10,
    status: 'succeeded',
    rowCount: 1,
    startedAt: new Date(),
    finishedAt: new Date(),
  });
  await h.database.db
    .insert(runChunks)
    .values([
      chunkOf(id, 0, 0, textColumn('secret'), expiresAt),
      chunkOf(id, 1, 1, oneRow('the secret row'), expiresAt),
    ]);
  return id;
}

async function eventsOf(runId: string): Promise<RunEvent[]> {
  const editor = await h.as(h.a, 'editor');
  const events: RunEvent[] = [];
  for await (const event of await editor.runs.events({ runId })) events.push(event as RunEvent);
  return events;
}

describe('reading a run’s results (item 5)', () => {
  it('streams a run whose chunks are live to its owner', async () => {
    const id = await finishedRun(new Date(Date.now() + RUN_CHUNK_TTL_MS));
    const events = await eventsOf(id);
    expect(events.map((e) => e.type)).toEqual(['columns', 'rows', 'done']);
  });

  it('never serves a run whose chunks expired a day ago', async () => {
    const id = await finishedRun(new Date(Date.now() - 24 * 60 * 60 * 1000));
    const events = await eventsOf(id);
    expect(events).toEqual([
      { type: 'error', error: expect.objectContaining({ code: 'run.results_expired' }) },
    ]);
    expect(JSON.stringify(events)).not.toContain('the secret row');
  });

  it('ends with a typed error, sending nothing of it, when a stored chunk fails its check', async () => {
    const id = await finishedRun(new Date(Date.now() + RUN_CHUNK_TTL_MS));
    // The row chunk as another run sealed it (its context names that run): moved here, it must not open.
    const foreign = chunkOf('run_someoneelse', 1, 1, oneRow('the secret row'));
    await h.database.db.update(runChunks).set({ payload: foreign.payload }).where(eq(runChunks.runId, id));
    const events = await eventsOf(id);
    expect(events.map((e) => e.type)).toEqual(['error']);
    expect(events[0]).toEqual({
      type: 'error',
      error: expect.objectContaining({ code: 'run.results_unreadable' }),
    });
    expect(JSON.stringify(events)).not.toContain('the secret row');
  });

  it('refuses the stream to an owner who lost Can view results on the connection after the run', async () => {
    const id = await finishedRun(new Date(Date.now() + RUN_CHUNK_TTL_MS));
    await h.database.db
      .update(connections)
      .set({ canViewResults: ['grp_nobody'], canQuery: ['grp_nobody'] })
      .where(eq(connections.id, h.a.connectionId));
    try {
      const events = await eventsOf(id);
      expect(events).toEqual([
        { type: 'error', error: expect.objectContaining({ code: expect.stringMatching(/^access\./) }) },
      ]);
      expect(JSON.stringify(events)).not.toContain('the secret row');
      expect(JSON.stringify(events)).not.toContain('"secret"');
    } finally {
      await h.database.db
        .update(connections)
        .set({ canViewResults: null, canQuery: null })
        .where(eq(connections.id, h.a.connectionId));
    }
  });
});

describe('a run’s stream while it runs', () => {
  it('tells a runner’s take as running from its news alone, without reading the run again', async () => {
    const editor = await h.as(h.a, 'editor');
    const run = await editor.runs.start({ projectId: h.a.projectId, cellId: h.a.cellId, source: 'select 2' });
    const received: RunEvent[] = [];
    for await (const event of await editor.runs.events({ runId: run.id })) {
      received.push(event as RunEvent);
      if (received.length === 1) {
        // Only the news of a take: the row still says queued, so an event saying running can only
        // come from the news, not from a read of the row.
        await tell(run.id, `${run.id}${RUN_STATUS_NEWS}`);
      } else if (received.length === 2) {
        // What the runner leaves: the columns and a row sealed, the run succeeded, its readers told.
        await h.database.db
          .insert(runChunks)
          .values([chunkOf(run.id, 0, 0, textColumn('n')), chunkOf(run.id, 1, 1, oneRow('2'))]);
        await succeeded(run.id, 1);
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
});

describe('the end of a run’s stream', () => {
  it('ends a run whose counted rows all went out without reading its chunks again', async () => {
    const editor = await h.as(h.a, 'editor');
    const run = await editor.runs.start({ projectId: h.a.projectId, cellId: h.a.cellId, source: 'select 3' });
    const received: RunEvent[] = [];
    for await (const event of await editor.runs.events({ runId: run.id })) {
      received.push(event as RunEvent);
      if (event.type === 'status' && event.status === 'queued') {
        // Taken, and its columns and first rows written, as a runner does.
        await h.database.db
          .update(runs)
          .set({ status: 'running', startedAt: new Date() })
          .where(eq(runs.id, run.id));
        await h.database.db
          .insert(runChunks)
          .values([chunkOf(run.id, 0, 0, textColumn('n')), chunkOf(run.id, 1, 1, oneRow('3'))]);
        await tell(run.id);
      } else if (event.type === 'rows') {
        // It ends having counted the one row already sent. A chunk past that count (none a runner
        // writes) would only go out if the stream read the run's chunks again.
        await h.database.db.insert(runChunks).values(chunkOf(run.id, 2, 1, oneRow('stray')));
        await succeeded(run.id, 1);
      }
    }
    expect(received.map((e) => (e.type === 'status' ? e.status : e.type))).toEqual([
      'queued',
      'running',
      'columns',
      'rows',
      'done',
    ]);
    expect(JSON.stringify(received)).not.toContain('stray');
    // Delivered: nothing of the run is left in Quarry's database.
    expect(await h.database.db.select().from(runChunks).where(eq(runChunks.runId, run.id))).toEqual([]);
  });
});

describe('caps on queued and running runs (item 14)', () => {
  const activeOf = async (workspaceId: string) =>
    h.database.db
      .select({ id: runs.id, ownerId: runs.ownerId })
      .from(runs)
      .where(and(eq(runs.workspaceId, workspaceId), inArray(runs.status, ['queued', 'running'])));
  const settle = async (workspaceId: string) => {
    // Nothing executes runs here: end them so the next test starts from zero.
    await h.database.db
      .update(runs)
      .set({ status: 'cancelled', finishedAt: new Date() })
      .where(and(eq(runs.workspaceId, workspaceId), inArray(runs.status, ['queued', 'running'])));
  };

  it("places each start's job by its owner's queued and running runs, counted with the start's reads", async () => {
    await settle(h.b.workspaceId);
    const editor = await h.as(h.b, 'editor');
    const cellIds = await Promise.all(
      Array.from({ length: 3 }, () => sqlCellIn(h, h.b, h.b.projectId, h.b.connectionId)),
    );
    const priorities: number[] = [];
    for (const [i, cellId] of cellIds.entries()) {
      const run = await editor.runs.start({ projectId: h.b.projectId, cellId, source: `select ${i}` });
      const [job] = await h.database.sql<{ priority: number }[]>`
        select j.priority from pgboss.job j join runs r on r.job_id = j.id::text where r.id = ${run.id}`;
      priorities.push(job?.priority ?? Number.NaN);
    }
    expect(priorities).toEqual([0, -1, -2]);
    // Another member's first run goes ahead of this one's backlog.
    const manager = await h.as(h.b, 'manager');
    const first = await manager.runs.start({
      projectId: h.b.projectId,
      cellId: h.b.cellId,
      source: 'select 1',
    });
    const [job] = await h.database.sql<{ priority: number }[]>`
      select j.priority from pgboss.job j join runs r on r.job_id = j.id::text where r.id = ${first.id}`;
    expect(job?.priority).toBe(0);
    await settle(h.b.workspaceId);
  });

  it('accepts exactly 25 of 30 parallel starts by one Editor and refuses the rest with runs.too_many_active', async () => {
    await settle(h.b.workspaceId);
    const editor = await h.as(h.b, 'editor');
    // Thirty cells: running one cell again cancels its earlier run instead of adding to the count.
    const cellIds = await Promise.all(
      Array.from({ length: 30 }, () => sqlCellIn(h, h.b, h.b.projectId, h.b.connectionId)),
    );
    const results = await Promise.allSettled(
      cellIds.map((cellId, i) =>
        editor.runs.start({ projectId: h.b.projectId, cellId, source: `select ${i}` }),
      ),
    );
    const accepted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(accepted).toHaveLength(25);
    expect(refused).toHaveLength(5);
    for (const reason of refused) {
      expect(reason).toMatchObject({
        code: 'TOO_MANY_REQUESTS',
        quarry: { code: 'runs.too_many_active', details: { scope: 'user', cap: 25 } },
      });
    }
    expect(await activeOf(h.b.workspaceId)).toHaveLength(25);
    // Another member of the workspace is not held back by this one's runs.
    const manager = await h.as(h.b, 'manager');
    await expect(
      manager.runs.start({ projectId: h.b.projectId, cellId: h.b.cellId, source: 'select 1' }),
    ).resolves.toMatchObject({ status: 'queued' });
    await settle(h.b.workspaceId);
  });

  it('caps the workspace as a whole across its members', async () => {
    await settle(h.b.workspaceId);
    h.deps.runCaps = { perUser: 25, perWorkspace: 3 };
    try {
      const callers = await Promise.all([h.as(h.b, 'editor'), h.as(h.b, 'manager'), h.as(h.b, 'admin')]);
      const cellIds = await Promise.all([1, 2].map(() => sqlCellIn(h, h.b, h.b.projectId, h.b.connectionId)));
      const results = await Promise.allSettled(
        callers.flatMap((caller) =>
          cellIds.map((cellId, i) =>
            caller.runs.start({ projectId: h.b.projectId, cellId, source: `select ${i}` }),
          ),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      expect(
        results
          .flatMap((r) => (r.status === 'rejected' ? [r.reason] : []))
          .every(
            (reason) =>
              reason.quarry?.code === 'runs.too_many_active' && reason.quarry?.details?.scope === 'workspace',
          ),
      ).toBe(true);
    } finally {
      h.deps.runCaps = undefined;
      await settle(h.b.workspaceId);
    }
  });
});

describe('cancelling runs (issue 11, item 4)', () => {
  it("cancels the caller's queued run, audits it, and answers a finished run unchanged", async () => {
    const editor = await h.as(h.a, 'editor');
    const cellId = await sqlCellIn(h, h.a, h.a.projectId, h.a.connectionId);
    const run = await editor.runs.start({ projectId: h.a.projectId, cellId, source: 'select 1' });
    await expect(editor.runs.cancel({ runId: run.id })).resolves.toMatchObject({
      status: 'cancelled',
      error: { code: 'run.cancelled', message: 'The run was cancelled' },
    });
    const [audited] = await h.database.db
      .select({ actorId: auditEvents.actorId })
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'run.cancel'), eq(auditEvents.targetId, run.id)));
    expect(audited?.actorId).toBe(h.a.users.editor.id);
    // Cancelling again changes nothing and writes no second entry.
    await expect(editor.runs.cancel({ runId: run.id })).resolves.toMatchObject({ status: 'cancelled' });
    const entries = await h.database.db
      .select({ id: auditEvents.id })
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'run.cancel'), eq(auditEvents.targetId, run.id)));
    expect(entries).toHaveLength(1);
  });

  it('keeps the outcome of a run that already finished', async () => {
    const editor = await h.as(h.a, 'editor');
    const id = await finishedRun(new Date(Date.now() + 60_000));
    await expect(editor.runs.cancel({ runId: id })).resolves.toMatchObject({
      status: 'succeeded',
      rowCount: 1,
    });
  });

  it("refuses another member's run and another workspace's run as not found, changing neither", async () => {
    const owner = await h.as(h.a, 'editor');
    const cellId = await sqlCellIn(h, h.a, h.a.projectId, h.a.connectionId);
    const run = await owner.runs.start({ projectId: h.a.projectId, cellId, source: 'select 1' });
    const colleague = await h.as(h.a, 'admin');
    const stranger = await h.as(h.b, 'admin');
    expect(await refusal(colleague.runs.cancel({ runId: run.id }))).toMatchObject({
      code: 'NOT_FOUND',
      quarry: 'not_found.run',
    });
    expect(await refusal(stranger.runs.cancel({ runId: run.id }))).toMatchObject({
      code: 'NOT_FOUND',
      quarry: 'not_found.run',
    });
    const [row] = await h.database.db.select({ status: runs.status }).from(runs).where(eq(runs.id, run.id));
    expect(row?.status).toBe('queued');
    await owner.runs.cancel({ runId: run.id });
  });

  it('parallel starts of one cell leave one run queued, the one whose source the cell saved, each with its job, on an intact audit chain', async () => {
    const editor = await h.as(h.a, 'editor');
    const cellId = await sqlCellIn(h, h.a, h.a.projectId, h.a.connectionId);
    const started = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        editor.runs.start({ projectId: h.a.projectId, cellId, source: `select ${i} as n` }),
      ),
    );
    const rows = await h.database.db
      .select({ id: runs.id, status: runs.status, source: runs.source, jobId: runs.jobId })
      .from(runs)
      .where(
        inArray(
          runs.id,
          started.map((r) => r.id),
        ),
      );
    expect(rows).toHaveLength(8);
    const queued = rows.filter((r) => r.status === 'queued');
    expect(queued).toHaveLength(1);
    expect(rows.filter((r) => r.status === 'cancelled')).toHaveLength(7);
    // The run left queued is the last start to commit: the cell shows the source it runs.
    const [cell] = await h.database.sql<{ source: string }[]>`select source from cells where id = ${cellId}`;
    expect(queued[0]?.source).toBe(cell?.source);
    // Each run's job was sent in its start's transaction: one job per run, carrying its id only.
    const jobs = await h.database.sql<{ id: string; run_id: string }[]>`
      select id::text, data->>'runId' as run_id from pgboss.job
      where name = 'run.execute' and data->>'runId' in ${h.database.sql(started.map((r) => r.id))}`;
    expect(jobs.map((j) => j.run_id).sort()).toEqual(started.map((r) => r.id).sort());
    for (const row of rows) expect(jobs.find((j) => j.run_id === row.id)?.id).toBe(row.jobId);
    expect(await verifyAuditChain(h.database.db, h.a.workspaceId)).toMatchObject({ break: null });
    await editor.runs.cancel({ runId: queued[0]?.id ?? '' });
  });

  it("running a cell again cancels the caller's earlier run of that cell, not a colleague's nor another cell's", async () => {
    const editor = await h.as(h.a, 'editor');
    const manager = await h.as(h.a, 'manager');
    const cellId = await sqlCellIn(h, h.a, h.a.projectId, h.a.connectionId);
    const otherCellId = await sqlCellIn(h, h.a, h.a.projectId, h.a.connectionId);
    const first = await editor.runs.start({ projectId: h.a.projectId, cellId, source: 'select 1' });
    const colleagues = await manager.runs.start({ projectId: h.a.projectId, cellId, source: 'select 1' });
    const elsewhere = await editor.runs.start({
      projectId: h.a.projectId,
      cellId: otherCellId,
      source: 'select 1',
    });
    const second = await editor.runs.start({ projectId: h.a.projectId, cellId, source: 'select 2' });
    const statusOf = async (id: string) =>
      (
        await h.database.db
          .select({ status: runs.status, error: runs.error })
          .from(runs)
          .where(eq(runs.id, id))
      )[0];
    expect(await statusOf(first.id)).toMatchObject({
      status: 'cancelled',
      error: { code: 'run.cancelled', message: 'The run was cancelled: the cell was run again' },
    });
    expect((await statusOf(colleagues.id))?.status).toBe('queued');
    expect((await statusOf(elsewhere.id))?.status).toBe('queued');
    expect((await statusOf(second.id))?.status).toBe('queued');
    for (const [caller, id] of [
      [editor, second.id],
      [editor, elsewhere.id],
      [manager, colleagues.id],
    ] as const) {
      await caller.runs.cancel({ runId: id });
    }
  });
});
