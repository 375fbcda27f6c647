import { newId } from '@quarry/db';
import { verifyAuditChain } from '@quarry/db/audit';
import { cells } from '@quarry/db/schema';
import type { WorkspaceFixture } from '@quarry/db/testing';
import { MAX_NOTEBOOK_SOURCE } from '@quarry/notebook';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alsoJoin, asUser, memberOf } from '../attacks8/facts-kit';
import {
  cellsIn,
  expectNoInternals,
  freshWorkspace,
  runById,
  sourcesOf,
  storedBy,
  userCapRefusal,
  workspaceCapRefusal,
} from '../attacks10/kit';
import { projectIn, refusal } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import { startsHeldBy } from './kit';

// runs.start after today's change: its summary is built from the row the API inserted (no
// RETURNING), the owner's outstanding runs are counted with the notebook read and set the job's
// priority, and the cancel of the cell's earlier runs plus the save of its source is one statement
// that a later refusal must roll back. Attacks: the summary against the stored row, steering the
// priority, refusals after the cancel+save ran, and the audit chain after a mixed storm.
let h: ApiHarness;
/** A connection of the test's own, outside the API's pool: it holds the workspace's run lock. */
let holder: postgres.Sql;

beforeAll(async () => {
  h = await createApiHarness({ orders: 5 });
  holder = postgres(h.database.url, { max: 1, onnotice: () => {} });
}, 60_000);
afterAll(async () => {
  await holder?.end({ timeout: 5 });
  await h?.close();
});

const jobOf = async (runId: string) => {
  const [job] = await h.deps.sql<{ id: string; priority: number; data: Record<string, unknown> }[]>`
    select id::text as id, priority, data from pgboss.job where name = 'run.execute' and data->>'runId' = ${runId}`;
  return job;
};

describe('1. the summary a start answers is the row it stored', () => {
  it('for a plain start and a refresh start: every field equals the stored row and runs.get', async () => {
    const ws = await freshWorkspace(h);
    const [sqlCell, jsCell] = [...(await cellsIn(h, ws, 1)), ...(await cellsIn(h, ws, 1, { kind: 'js' }))];
    if (!sqlCell || !jsCell) throw new Error('no cell');
    const editor = await h.as(ws, 'editor');
    const starts = [
      { cellId: sqlCell, source: 'select 11 as n', rowLimit: 7 },
      { cellId: sqlCell, source: 'select 12 as n', refresh: true },
      { cellId: jsCell, source: 'return 13', refresh: true, rowLimit: 1 },
    ];
    for (const start of starts) {
      const summary = await editor.runs.start({ projectId: ws.projectId, ...start });
      const row = await runById(h, summary.id);
      if (!row) throw new Error('no row stored');
      expect(summary).toEqual({
        id: row.id,
        status: row.status,
        rowCount: row.rowCount,
        truncated: row.truncated,
        durationMs: null,
        error: null,
        createdAt: row.createdAt,
        queuePosition: null,
        cachedAt: row.cacheHitAt,
        steps: [],
      });
      expect(row.status).toBe('queued');
      expect(row.refresh).toBe(start.refresh ?? false);
      expect(row.rowLimit).toBe(start.rowLimit ?? 10_000);
      expect(row.ownerId).toBe(ws.users.editor.id);
      // The job named on the row is the job queued for it.
      expect(row.jobId).toBe((await jobOf(row.id))?.id);
      const got = await editor.runs.get({ runId: summary.id });
      expect({ ...got, queuePosition: null }).toMatchObject({ ...summary });
      // The audit entry's time is the run's.
      const [entry] = await h.deps.sql<{ created_at: Date | string }[]>`
        select created_at from audit_events where target_id = ${row.id} and action = 'run.start'`;
      expect(new Date(entry?.created_at ?? 0).getTime()).toBe(row.createdAt.getTime());
    }
  });
});

describe('2. the job’s priority (fair share)', () => {
  it('is minus the owner’s active runs in this workspace only: not another workspace’s, not another member’s, not steerable by input', async () => {
    const [a, b] = await Promise.all([freshWorkspace(h), freshWorkspace(h)]);
    if (!a || !b) throw new Error('no workspace');
    const userId = a.users.editor.id;
    await alsoJoin(h, userId, b, 'editor');
    const [aCaller, bCaller] = await Promise.all([h.as(a, 'editor'), asUser(h, userId, b.workspaceId)]);
    const otherId = await memberOf(h, a, 'editor');
    const other = await asUser(h, otherId, a.workspaceId);
    const aCells = await cellsIn(h, a, 6);
    const bCells = await cellsIn(h, b, 5);
    // The same user id: 5 active runs in B, 3 in A; another member: 4 in A.
    for (const cellId of bCells)
      await bCaller.runs.start({ projectId: b.projectId, cellId, source: 'select 1' });
    const mine: string[] = [];
    for (const cellId of aCells.slice(0, 3)) {
      const run = await aCaller.runs.start({ projectId: a.projectId, cellId, source: 'select 2' });
      mine.push(run.id);
    }
    for (const cellId of aCells.slice(0, 4)) {
      await other.runs.start({ projectId: a.projectId, cellId, source: 'select 3' });
    }
    expect((await Promise.all(mine.map(jobOf))).map((j) => j?.priority)).toEqual([0, -1, -2]);
    // Inputs that try to name the count, the priority, or someone else.
    const steered = await aCaller.runs.start({
      projectId: a.projectId,
      cellId: aCells[4] as string,
      source: 'select 4',
      ...({
        outstanding: -1000,
        priority: 1000,
        ownerId: otherId,
        workspaceId: b.workspaceId,
        queue: { outstanding: -1000 },
      } as object),
    });
    const job = await jobOf(steered.id);
    expect(job?.priority).toBe(-3);
    expect(job?.data).toEqual({
      runId: steered.id,
      workspaceId: a.workspaceId,
      ownerId: userId,
      connectionId: a.connectionId,
    });
    expect((await runById(h, steered.id))?.ownerId).toBe(userId);
    // A finished run no longer counts.
    await aCaller.runs.cancel({ runId: mine[0] as string });
    const after = await aCaller.runs.start({
      projectId: a.projectId,
      cellId: aCells[5] as string,
      source: 'select 5',
    });
    expect((await jobOf(after.id))?.priority).toBe(-3);
  });
});

/** The workspace's whole state must be exactly `before` after `refused` was refused. */
async function expectRefusedStoresNothing(
  ws: WorkspaceFixture,
  cellIds: readonly string[],
  refused: () => Promise<unknown>,
  expected: { code: string; quarry?: unknown },
) {
  const before = await startsHeldBy(h, ws, cellIds);
  const r = await refusal(refused());
  expect(r.code).toBe(expected.code);
  if (expected.quarry) expect(JSON.parse(r.text)).toEqual(expected.quarry);
  expectNoInternals(r.text);
  expect(await startsHeldBy(h, ws, cellIds)).toEqual(before);
  expect((await verifyAuditChain(h.database.db, ws.workspaceId)).break).toBeNull();
}

describe('3. a refused start stores nothing, even after its cancel+save statement ran', () => {
  it('a Viewer, an Explorer and a Guest re-running a cell: nothing cancelled, no run, job, entry, nor source', async () => {
    const ws = await freshWorkspace(h);
    const [cellId] = await cellsIn(h, ws, 1);
    if (!cellId) throw new Error('no cell');
    const editor = await h.as(ws, 'editor');
    const first = await editor.runs.start({ projectId: ws.projectId, cellId, source: 'select 21' });
    for (const role of ['viewer', 'explorer', 'guest'] as const) {
      const caller = await h.as(ws, role);
      const before = await startsHeldBy(h, ws, [cellId]);
      const r = await refusal(caller.runs.start({ projectId: ws.projectId, cellId, source: 'select 666' }));
      expect(['FORBIDDEN', 'NOT_FOUND']).toContain(r.code);
      expectNoInternals(r.text);
      expect(await startsHeldBy(h, ws, [cellId])).toEqual(before);
    }
    expect((await runById(h, first.id))?.status).toBe('queued');
  });

  it('the per-user cap, reached by re-running an active cell: the earlier run stays queued and the source stays', async () => {
    const ws = await freshWorkspace(h);
    const cellIds = await cellsIn(h, ws, 3);
    const editor = await h.as(ws, 'editor');
    const runs = [];
    for (const cellId of cellIds) {
      runs.push(await editor.runs.start({ projectId: ws.projectId, cellId, source: 'select 31' }));
    }
    h.deps.runCaps = { perUser: 2, perWorkspace: 200 };
    try {
      // Re-running cell 0: its own run does not count, the two others do (2 >= 2).
      await expectRefusedStoresNothing(
        ws,
        cellIds,
        () =>
          editor.runs.start({ projectId: ws.projectId, cellId: cellIds[0] as string, source: 'select 666' }),
        { code: 'TOO_MANY_REQUESTS', quarry: userCapRefusal(2) },
      );
    } finally {
      h.deps.runCaps = undefined;
    }
    for (const run of runs) expect((await runById(h, run.id))?.status).toBe('queued');
  });

  it('the workspace cap, reached by another member’s runs: the re-run cancels nothing', async () => {
    const ws = await freshWorkspace(h);
    const cellIds = await cellsIn(h, ws, 3);
    const [editor, manager] = await Promise.all([h.as(ws, 'editor'), h.as(ws, 'manager')]);
    const mine = await editor.runs.start({
      projectId: ws.projectId,
      cellId: cellIds[0] as string,
      source: 'select 41',
    });
    await manager.runs.start({ projectId: ws.projectId, cellId: cellIds[1] as string, source: 'select 42' });
    await manager.runs.start({ projectId: ws.projectId, cellId: cellIds[2] as string, source: 'select 43' });
    h.deps.runCaps = { perUser: 25, perWorkspace: 2 };
    try {
      await expectRefusedStoresNothing(
        ws,
        cellIds,
        () =>
          editor.runs.start({ projectId: ws.projectId, cellId: cellIds[0] as string, source: 'select 666' }),
        { code: 'TOO_MANY_REQUESTS', quarry: workspaceCapRefusal(2) },
      );
    } finally {
      h.deps.runCaps = undefined;
    }
    expect((await runById(h, mine.id))?.status).toBe('queued');
  });

  it('the notebook’s bound, decided by the server after two parallel re-runs each passed alone: the refused one’s earlier run and source stay', async () => {
    const ws = await freshWorkspace(h);
    const projectId = await projectIn(h, ws, [{ userId: ws.users.editor.id, permission: 'can_edit' }]);
    // Markdown to MAX - 150k units, then two JS cells each about to grow by ~90k: one fits, not both.
    const chunk = 100_000;
    const filler = MAX_NOTEBOOK_SOURCE - 150_000;
    const rows = Array.from({ length: Math.ceil(filler / chunk) }, (_, i) => ({
      id: newId('cell'),
      workspaceId: ws.workspaceId,
      projectId,
      position: i,
      name: `md_${i}`,
      kind: 'markdown' as const,
      source: 'm'.repeat(Math.min(chunk, filler - i * chunk)),
    }));
    for (let i = 0; i < rows.length; i += 10) await h.database.db.insert(cells).values(rows.slice(i, i + 10));
    const jsIds = await cellsIn(h, ws, 2, { kind: 'js', projectId });
    const editor = await h.as(ws, 'editor');
    const earlier = await Promise.all(
      jsIds.map((cellId) => editor.runs.start({ projectId, cellId, source: 'return 51' })),
    );
    const long = (i: number) => `return ${i} // ${'x'.repeat(90_000)}`;
    const key = `runs.active:${ws.workspaceId}`;
    await holder`select pg_advisory_lock(hashtextextended(${key}, 0))`;
    let results: PromiseSettledResult<{ id: string }>[];
    try {
      const started = Promise.allSettled(
        jsIds.map((cellId, i) => editor.runs.start({ projectId, cellId, source: long(i) })),
      );
      const deadline = Date.now() + 10_000;
      for (;;) {
        const [row] = await holder<{ n: number }[]>`
          select count(*)::int as n from pg_locks
          where locktype = 'advisory' and not granted
            and database = (select oid from pg_database where datname = current_database())`;
        if ((row?.n ?? 0) >= 2) break;
        if (Date.now() > deadline) throw new Error('the starts never reached the lock');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await holder`select pg_advisory_unlock(hashtextextended(${key}, 0))`;
      results = await started;
    } finally {
      await holder`select pg_advisory_unlock_all()`;
    }
    const accepted = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
    expect(accepted).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const [won, lost] = [accepted[0] as number, refused[0] as number];
    const r = await refusal(Promise.reject((results[lost] as PromiseRejectedResult).reason));
    expect(r.quarry).toBe('notebook.too_large');
    expectNoInternals(r.text);
    // The refused start's cancel+save rolled back: its cell's earlier run queued, its text unchanged.
    expect((await runById(h, earlier[lost]?.id as string))?.status).toBe('queued');
    expect((await runById(h, earlier[won]?.id as string))?.status).toBe('cancelled');
    const saved = await sourcesOf(h, jsIds);
    expect(saved.get(jsIds[lost] as string)).toBe('return 51');
    expect(saved.get(jsIds[won] as string)).toBe(long(won));
    const stored = await storedBy(h, ws.workspaceId);
    expect(stored.runs).toHaveLength(3);
    expect(stored.startEntries).toHaveLength(3);
    expect(stored.jobRunIds).toHaveLength(3);
    expect(stored.chain.break).toBeNull();
  });
});

describe('4. the audit chain after a storm of accepted and refused starts', () => {
  it('one run.start entry per accepted start, none for a refused one, dense seqs, and the chain verifies', async () => {
    const [ws, other] = await Promise.all([freshWorkspace(h), freshWorkspace(h)]);
    if (!ws || !other) throw new Error('no workspace');
    const cellIds = await cellsIn(h, ws, 8);
    const [foreignCell] = await cellsIn(h, other, 1);
    const callers = await Promise.all([h.as(ws, 'editor'), h.as(ws, 'manager'), h.as(ws, 'admin')]);
    const viewer = await h.as(ws, 'viewer');
    h.deps.runCaps = { perUser: 3, perWorkspace: 6 };
    const accepted: string[] = [];
    let refusedCount = 0;
    try {
      for (let round = 0; round < 3; round += 1) {
        const calls = [
          // Every caller on every cell, twice: supersedes, caps, and races of the two.
          ...[...cellIds, ...cellIds].flatMap((cellId, i) =>
            callers.map((c, j) =>
              c.runs.start({ projectId: ws.projectId, cellId, source: `select ${round}${i}${j} as n` }),
            ),
          ),
          viewer.runs.start({ projectId: ws.projectId, cellId: cellIds[0] as string, source: 'select 0' }),
          (callers[0] as (typeof callers)[number]).runs.start({
            projectId: ws.projectId,
            cellId: foreignCell as string,
            source: 'select 0',
          }),
          (callers[1] as (typeof callers)[number]).runs.start({
            projectId: other.projectId,
            cellId: foreignCell as string,
            source: 'select 0',
          }),
        ];
        const results = await Promise.allSettled(calls);
        for (const r of results) {
          if (r.status === 'fulfilled') accepted.push(r.value.id);
          else {
            refusedCount += 1;
            const why = await refusal(Promise.reject(r.reason));
            expect(['TOO_MANY_REQUESTS', 'FORBIDDEN', 'NOT_FOUND']).toContain(why.code);
          }
        }
        // Some room again for the next round.
        const active = (await storedBy(h, ws.workspaceId)).active;
        expect(active.length).toBeLessThanOrEqual(6);
        await Promise.all(
          active.slice(0, 3).map((run) => {
            const by = [ws.users.editor.id, ws.users.manager.id, ws.users.admin.id].indexOf(run.owner_id);
            return (callers[by] as (typeof callers)[number]).runs.cancel({ runId: run.id });
          }),
        );
      }
    } finally {
      h.deps.runCaps = undefined;
    }
    expect(refusedCount).toBeGreaterThan(0);
    const stored = await storedBy(h, ws.workspaceId);
    expect(stored.runs.map((r) => r.id).sort()).toEqual([...accepted].sort());
    expect(stored.jobRunIds).toEqual([...accepted].sort());
    const perRun = new Map<string, number>();
    for (const e of stored.startEntries) perRun.set(e.target_id, (perRun.get(e.target_id) ?? 0) + 1);
    expect([...perRun.keys()].sort()).toEqual([...accepted].sort());
    expect([...perRun.values()].every((n) => n === 1)).toBe(true);
    const verified = await verifyAuditChain(h.database.db, ws.workspaceId);
    expect(verified.break).toBeNull();
    const seqs = await h.deps.sql<{ seq: number }[]>`
      select seq from audit_events where chain = ${ws.workspaceId} order by seq`;
    expect(seqs.map((s) => s.seq)).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(stored.head?.seq).toBe(seqs.length);
    expect(verified.entries).toBe(seqs.length);
    // The other workspace: nothing from the crossing starts.
    const otherStored = await storedBy(h, other.workspaceId);
    expect(otherStored.runs).toEqual([]);
    expect(otherStored.startEntries).toEqual([]);
    expect((await sourcesOf(h, [foreignCell as string])).get(foreignCell as string)).toBe('select 1');
  });
});
