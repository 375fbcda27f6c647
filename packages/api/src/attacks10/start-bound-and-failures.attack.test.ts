import { newId } from '@quarry/db';
import { cells } from '@quarry/db/schema';
import type { WorkspaceFixture } from '@quarry/db/testing';
import { MAX_NOTEBOOK_CELLS, MAX_NOTEBOOK_SOURCE } from '@quarry/notebook';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectIn, refusal } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';
import {
  cellsIn,
  expectNoInternals,
  freshWorkspace,
  openTransactions,
  poolIsClean,
  postBatch,
  runById,
  sourcesOf,
  storedBy,
} from './kit';

// runs.start's last batch (the workspace lock, the cap count, the notebook's text bound, the run
// row, the audit entry) goes out with its COMMIT. Attacks: text that looks like the statements or
// the refusal function, text near the notebook's bound made of characters outside the BMP and of
// combining characters (the bound counts UTF-16 units; the server counts characters), parallel
// starts each lengthening the notebook, and failures in that batch other than a refusal (a run row
// the database rejects, an audit entry it rejects, a COMMIT that fails, a job it rejects), which
// must end as a 500-class error with nothing of the start stored.
let h: ApiHarness;
/** A connection of the test's own, outside the API's pool: it holds the workspace's run lock. */
let holder: postgres.Sql;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
  holder = postgres(h.database.url, { max: 1, onnotice: () => {} });
  // Faults on demand, in this file's own database: a row of attacks10_faults whose key names a
  // cell (or, for jobs, an owner) makes the matching insert fail with the row's SQLSTATE.
  await h.deps.sql.unsafe(`
    create table attacks10_faults (key text primary key, errcode text not null, message text not null);
    create function attacks10_fault() returns trigger language plpgsql as $$
    declare f attacks10_faults;
    begin
      select * into f from attacks10_faults
        where key = TG_ARGV[0] || ':' || coalesce(to_jsonb(new) #>> TG_ARGV[1]::text[], '');
      if found then
        raise exception using errcode = f.errcode, message = f.message, detail = 'attacks10 detail';
      end if;
      return new;
    end $$;
    create trigger attacks10_run before insert on runs
      for each row execute function attacks10_fault('run', '{cell_id}');
    create trigger attacks10_audit before insert on audit_events
      for each row execute function attacks10_fault('audit', '{details,cellId}');
    create trigger attacks10_job before insert on pgboss.job
      for each row execute function attacks10_fault('job', '{data,ownerId}');
    create constraint trigger attacks10_commit after insert on runs deferrable initially deferred
      for each row execute function attacks10_fault('commit', '{cell_id}');
  `);
}, 60_000);
afterAll(async () => {
  await holder?.end({ timeout: 5 });
  await h?.close();
});

const fault = (key: string, errcode: string, message: string) =>
  h.deps.sql`insert into attacks10_faults values (${key}, ${errcode}, ${message})`;
const clearFault = (key: string) => h.deps.sql`delete from attacks10_faults where key = ${key}`;

/** The saved text of a project, in UTF-16 units (what the notebook's bound counts), and its cells. */
async function notebookText(projectId: string) {
  const rows = await h.database.db
    .select({ id: cells.id, source: cells.source })
    .from(cells)
    .where(eq(cells.projectId, projectId));
  return { cells: rows.length, units: rows.reduce((sum, r) => sum + r.source.length, 0), rows };
}

/**
 * A project the Editor can edit holding `texts` as Markdown cells (written straight to the
 * database) and `js` JS cells of `return 1`.
 */
async function notebookOf(ws: WorkspaceFixture, texts: readonly string[], js: number) {
  const projectId = await projectIn(h, ws, [{ userId: ws.users.editor.id, permission: 'can_edit' }]);
  const rows = texts.map((source, i) => ({
    id: newId('cell'),
    workspaceId: ws.workspaceId,
    projectId,
    position: i,
    name: `text_${i}`,
    kind: 'markdown' as const,
    source,
  }));
  for (let i = 0; i < rows.length; i += 10) await h.database.db.insert(cells).values(rows.slice(i, i + 10));
  const jsIds = await cellsIn(h, ws, js, { kind: 'js', projectId });
  return { projectId, jsIds };
}

/**
 * Holds the workspace's run lock (the key runs.start takes) from a connection of the test's own,
 * so that parallel starts all read the notebook before any of them reaches its last batch; then
 * lets them through, one at a time as the lock orders them. At most 5 starts can wait there at
 * once: the test pool has 5 connections, each start holding one.
 */
async function underHeldLock<T>(workspaceId: string, waiters: number, start: () => Promise<T>): Promise<T> {
  const key = `runs.active:${workspaceId}`;
  await holder`select pg_advisory_lock(hashtextextended(${key}, 0))`;
  let started: Promise<T> | null = null;
  try {
    started = start();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [row] = await holder<{ n: number }[]>`
        select count(*)::int as n from pg_locks
        where locktype = 'advisory' and not granted
          and database = (select oid from pg_database where datname = current_database())`;
      if ((row?.n ?? 0) >= waiters) break;
      if (Date.now() > deadline) throw new Error('the starts never reached the lock');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await holder`select pg_advisory_unlock(hashtextextended(${key}, 0))`;
  }
  return await started;
}

describe('5. text that looks like the statements, the refusal function, or the lock', () => {
  const hostile = [
    `select '); select quarry_refuse(''runs.too_many_active'', ''user''); --' as x`,
    `select 'quarry_refuse(''notebook.too_large'', ''99999999'')' as x -- $1 $$ $2::text`,
    `select 1 as x; commit; select pg_advisory_unlock_all(); rollback; --`,
    `select 'a\\' as x /* ) end as refused from runs where true; -- */`,
    `select '😀\u0301e\u0301\u202e שלום 数据' as x`,
  ];

  it('runs every such cell as sent, saving its source and its input values exactly, refusing nothing', async () => {
    const ws = await freshWorkspace(h);
    const inputId = newId('cell');
    await h.database.db.insert(cells).values({
      id: inputId,
      workspaceId: ws.workspaceId,
      projectId: ws.projectId,
      position: 1,
      name: 'q',
      kind: 'input',
      config: { type: 'text', default: '' },
      source: '',
    });
    const cellIds = await cellsIn(h, ws, hostile.length);
    const editor = await h.as(ws, 'editor');
    const values = [
      `'); select quarry_refuse('runs.too_many_active', 'workspace'); --`,
      `$1 $$ quarry_refuse( ${'😀'.repeat(10)}`,
      `{{q}} \\x00 '' "" \\u0000`,
      'e\u0301'.repeat(500),
      `${'😀'.repeat(4_999)}x`,
    ];
    const started = await Promise.all(
      cellIds.map((cellId, i) =>
        editor.runs.start({
          projectId: ws.projectId,
          cellId,
          source: `select {{q}} as q\n-- ${hostile[i]}`,
          inputs: { q: values[i] as string },
        }),
      ),
    );
    expect(started.map((r) => r.status)).toEqual(Array(hostile.length).fill('queued'));
    const saved = await sourcesOf(h, cellIds);
    for (const [i, cellId] of cellIds.entries()) {
      expect(saved.get(cellId)).toBe(`select {{q}} as q\n-- ${hostile[i]}`);
      const run = await runById(h, started[i]?.id as string);
      expect(run?.inputs).toEqual({ q: values[i] });
    }
    const stored = await storedBy(h, ws.workspaceId);
    expect(stored.runs).toHaveLength(hostile.length);
    expect(stored.startEntries).toHaveLength(hostile.length);
    expect(stored.chain.break).toBeNull();
  });
});

describe('5b. the notebook bound, in UTF-16 units, with text outside the BMP and combining characters', () => {
  // 5 UTF-16 units, 4 characters, 9 bytes: the cheap bounds (2 x characters, bytes) cannot decide
  // near the bound and the characters alone undercount, so the server must count exactly.
  const P = 'e\u0301😀é';

  it('5 parallel starts that each lengthen the text by 17,504 units: exactly the 2 that fit pass, the server counts the others exactly', async () => {
    const ws = await freshWorkspace(h);
    const { projectId, jsIds } = await notebookOf(ws, Array(52).fill(P.repeat(20_000)), 5);
    const before = await notebookText(projectId);
    expect(before.units).toBe(5_200_000 + 5 * 'return 1'.length);
    const source = `return 1 // ${P.repeat(3_500)}`;
    const delta = source.length - 'return 1'.length;
    expect(before.units + 2 * delta).toBeLessThanOrEqual(MAX_NOTEBOOK_SOURCE);
    expect(before.units + 3 * delta).toBeGreaterThan(MAX_NOTEBOOK_SOURCE);
    // Counted in characters (what the server counts unless told otherwise), the third would fit:
    // only an exact count of UTF-16 units refuses it.
    const chars = (text: string) => [...text].length;
    expect(52 * chars(P.repeat(20_000)) + 2 * 8 + 2 * chars(source) + source.length).toBeLessThan(
      MAX_NOTEBOOK_SOURCE,
    );
    const editor = await h.as(ws, 'editor');
    const results = await underHeldLock(ws.workspaceId, 5, () =>
      Promise.allSettled(jsIds.map((cellId) => editor.runs.start({ projectId, cellId, source }))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const refused = await Promise.all(
      results.flatMap((r) => (r.status === 'rejected' ? [refusal(Promise.reject(r.reason))] : [])),
    );
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      expect(JSON.parse(r.text)).toEqual({
        code: 'notebook.too_large',
        message: 'A notebook holds at most 5 MB of cell text in all',
        hint: 'Split the notebook into two projects, or delete cells it no longer needs',
        details: {
          cells: before.cells,
          source: before.units + 3 * delta,
          maxCells: MAX_NOTEBOOK_CELLS,
          maxSource: MAX_NOTEBOOK_SOURCE,
        },
      });
      expect(r.code).toBe('BAD_REQUEST');
      expectNoInternals(r.text);
    }
    const after = await notebookText(projectId);
    expect(after.units).toBe(before.units + 2 * delta);
    expect(after.units).toBeLessThanOrEqual(MAX_NOTEBOOK_SOURCE);
    expect(after.rows.filter((r) => r.source === source)).toHaveLength(2);
    const stored = await storedBy(h, ws.workspaceId);
    expect(stored.runs).toHaveLength(2);
    expect(stored.jobRunIds).toHaveLength(2);
    expect(stored.startEntries).toHaveLength(2);
  });

  it('without a held lock, 8 parallel starts of emoji text never take the saved text past the bound', async () => {
    const ws = await freshWorkspace(h);
    const { projectId, jsIds } = await notebookOf(ws, Array(26).fill('😀'.repeat(100_000)), 8);
    const source = `return 1 // ${'😀'.repeat(9_000)}${'a\u0300'.repeat(500)}`;
    const editor = await h.as(ws, 'editor');
    const results = await Promise.allSettled(
      jsIds.map((cellId) => editor.runs.start({ projectId, cellId, source })),
    );
    const before = 5_200_000 + 8 * 'return 1'.length;
    const delta = source.length - 'return 1'.length;
    const fits = Math.floor((MAX_NOTEBOOK_SOURCE - before) / delta);
    expect(fits).toBe(2);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(fits);
    for (const r of results) {
      if (r.status === 'rejected') {
        expect(await refusal(Promise.reject(r.reason))).toMatchObject({
          code: 'BAD_REQUEST',
          quarry: 'notebook.too_large',
          details: { source: before + (fits + 1) * delta },
        });
      }
    }
    const after = await notebookText(projectId);
    expect(after.units).toBe(before + fits * delta);
    expect(after.units).toBeLessThanOrEqual(MAX_NOTEBOOK_SOURCE);
  });

  // Found by this attack, fixed: when the server decided the bound from its character count alone
  // (the others' characters plus this text already past it), the refusal's details.source was that
  // count, each character outside the BMP in the other cells counted once instead of twice. The
  // refusal now reports the notebook's length in UTF-16 units, as every other refusal does.
  // Other cells of 5.2M units of which 1,000 emoji; two parallel starts each lengthening a JS cell
  // by 30,004 units, both reading before either commits: the second reports 5,260,024.
  it('a refusal decided by the character count reports the notebook length in UTF-16 units', async () => {
    const ws = await freshWorkspace(h);
    const texts = [`${'x'.repeat(98_000)}${'😀'.repeat(1_000)}`, ...Array(51).fill('x'.repeat(100_000))];
    const { projectId, jsIds } = await notebookOf(ws, texts, 2);
    const before = await notebookText(projectId);
    expect(before.units).toBe(5_200_000 + 2 * 8);
    const longer = (n: number) => `return ${n} // ${'y'.repeat(30_000)}`;
    const delta = longer(1).length - 8;
    const editor = await h.as(ws, 'editor');
    const results = await underHeldLock(ws.workspaceId, 2, () =>
      Promise.allSettled(
        jsIds.map((cellId, i) => editor.runs.start({ projectId, cellId, source: longer(i + 1) })),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    const r = await refusal(Promise.reject(rejected.reason));
    expect(r.quarry).toBe('notebook.too_large');
    expect((await notebookText(projectId)).units).toBe(before.units + delta);
    // The flaw: 5,259,024 (characters) where the notebook would hold 5,260,024 units.
    expect(r.details).toMatchObject({ source: before.units + 2 * delta });
  });

  it('a start that shortens its cell is not held to the bound by parallel lengthening starts', async () => {
    const ws = await freshWorkspace(h);
    const { projectId, jsIds } = await notebookOf(ws, Array(52).fill(P.repeat(20_000)), 3);
    const [grow1, grow2, shrink] = jsIds as [string, string, string];
    const long = `return 1 // ${'😀'.repeat(15_000)}`;
    await h.database.db.update(cells).set({ source: long }).where(eq(cells.id, shrink));
    const before = await notebookText(projectId);
    const room = MAX_NOTEBOOK_SOURCE - before.units;
    const grow = `return 2 // ${'y'.repeat(Math.floor(room / 2) + 100)}`;
    const editor = await h.as(ws, 'editor');
    const results = await underHeldLock(ws.workspaceId, 3, () =>
      Promise.allSettled([
        editor.runs.start({ projectId, cellId: grow1, source: grow }),
        editor.runs.start({ projectId, cellId: shrink, source: 'return 3' }),
        editor.runs.start({ projectId, cellId: grow2, source: grow }),
      ]),
    );
    // Whatever order the lock took them in, the shrinking one passes and the total stays within.
    expect(results[1]?.status).toBe('fulfilled');
    const after = await notebookText(projectId);
    expect(after.units).toBeLessThanOrEqual(MAX_NOTEBOOK_SOURCE);
    const grown = results.filter((r, i) => i !== 1 && r.status === 'fulfilled').length;
    expect(grown).toBeGreaterThanOrEqual(1);
    expect(after.units).toBe(before.units - (long.length - 8) + grown * (grow.length - 8));
  });
});

describe('6. a failure in the last batch other than a refusal', () => {
  /**
   * A workspace whose Editor has one queued run of `cellId`, started normally: a failed start of the
   * same cell must leave it queued (the supersede rolls back too) and its source as it was.
   */
  async function withQueuedRun() {
    const ws = await freshWorkspace(h);
    const [cellId] = (await cellsIn(h, ws, 1)) as [string];
    const editor = await h.as(ws, 'editor');
    const first = await editor.runs.start({ projectId: ws.projectId, cellId, source: 'select 10 as first' });
    const stored = await storedBy(h, ws.workspaceId);
    return { ws, cellId, editor, first, stored };
  }

  /** Nothing of the failed start is stored: the state is exactly what it was before it. */
  async function expectUntouched(
    ws: WorkspaceFixture,
    cellId: string,
    firstId: string,
    before: Awaited<ReturnType<typeof storedBy>>,
  ) {
    const after = await storedBy(h, ws.workspaceId);
    expect(after.runs).toEqual(before.runs);
    expect(after.jobRunIds).toEqual(before.jobRunIds);
    expect(after.startEntries).toEqual(before.startEntries);
    expect(after.head).toEqual(before.head);
    expect(after.chain.break).toBeNull();
    expect((await runById(h, firstId))?.status).toBe('queued');
    expect((await sourcesOf(h, [cellId])).get(cellId)).toBe('select 10 as first');
    expect(await openTransactions(h)).toEqual([]);
  }

  it.each([
    ['the run row (a check constraint)', 'run', '23514'],
    ['the run row (a unique conflict)', 'run', '23505'],
    ['the audit entry, after the run row was inserted', 'audit', '23505'],
    ['the COMMIT itself (a deferred constraint)', 'commit', '23514'],
    ['the run row, with the refusal SQLSTATE but a code the API does not know', 'run', 'QR001'],
  ])(
    '%s: INTERNAL_SERVER_ERROR with the generic message, nothing stored, the earlier run still queued',
    async (_, where, errcode) => {
      const { ws, cellId, editor, first, stored } = await withQueuedRun();
      await fault(`${where}:${cellId}`, errcode, 'attacks10 secret constraint text insert into runs');
      try {
        const r = await refusal(
          editor.runs.start({ projectId: ws.projectId, cellId, source: 'select 11 as second' }),
        );
        // Called directly, an unexpected error carries no Quarry error (the formatter words it on the wire).
        expect(r.code).toBe('INTERNAL_SERVER_ERROR');
        expect(r.text).not.toContain('attacks10');
        await expectUntouched(ws, cellId, first.id, stored);
        // Over HTTP: the generic error alone, naming nothing of the statement or the constraint.
        const answered = await postBatch(h, ws.users.editor.id, ws.workspaceId, [
          { path: 'runs.start', input: { projectId: ws.projectId, cellId, source: 'select 12 as third' } },
        ]);
        expect(answered.answers[0]?.error?.json?.data).toMatchObject({
          code: 'INTERNAL_SERVER_ERROR',
          httpStatus: 500,
          quarry: { code: 'server.internal', message: 'Something went wrong on our side' },
        });
        expect(answered.text).not.toContain('attacks10');
        expectNoInternals(answered.text);
        await expectUntouched(ws, cellId, first.id, stored);
      } finally {
        await clearFault(`${where}:${cellId}`);
      }
      // The connection it used went back clean: the same start now passes and supersedes the first.
      expect(await poolIsClean(h)).toBe(true);
      const again = await editor.runs.start({
        projectId: ws.projectId,
        cellId,
        source: 'select 13 as fourth',
      });
      expect(again.status).toBe('queued');
      expect((await runById(h, first.id))?.status).toBe('cancelled');
      const after = await storedBy(h, ws.workspaceId);
      expect(after.runs).toHaveLength(2);
      expect(after.startEntries).toHaveLength(2);
      expect(after.jobRunIds).toHaveLength(2);
      expect(after.chain.break).toBeNull();
    },
  );

  it('the job the start queues rejected (a unique conflict): queue.unavailable, nothing stored', async () => {
    const { ws, cellId, editor, first, stored } = await withQueuedRun();
    await fault(`job:${ws.users.editor.id}`, '23505', 'attacks10 duplicate key in job');
    try {
      const r = await refusal(
        editor.runs.start({ projectId: ws.projectId, cellId, source: 'select 11 as second' }),
      );
      expect(r).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', quarry: 'queue.unavailable' });
      expect(r.text).not.toContain('attacks10');
      await expectUntouched(ws, cellId, first.id, stored);
    } finally {
      await clearFault(`job:${ws.users.editor.id}`);
    }
  });

  it('20 parallel starts of which every other one fails in its last batch: the rest run, the failed leave nothing, the chain verifies', async () => {
    const ws = await freshWorkspace(h);
    const cellIds = await cellsIn(h, ws, 20);
    const failing = cellIds.filter((_, i) => i % 2 === 1);
    for (const [i, cellId] of failing.entries()) {
      await fault(`${i % 2 === 0 ? 'run' : 'audit'}:${cellId}`, '23514', 'attacks10 failing');
    }
    const editor = await h.as(ws, 'editor');
    try {
      const results = await Promise.allSettled(
        cellIds.map((cellId) => editor.runs.start({ projectId: ws.projectId, cellId, source: 'select 20' })),
      );
      expect(results.map((r) => r.status)).toEqual(
        cellIds.map((_, i) => (i % 2 === 1 ? 'rejected' : 'fulfilled')),
      );
      for (const r of results) {
        if (r.status === 'rejected')
          expect((await refusal(Promise.reject(r.reason))).code).toBe('INTERNAL_SERVER_ERROR');
      }
      const stored = await storedBy(h, ws.workspaceId);
      expect(stored.runs.map((r) => r.cell_id).sort()).toEqual(cellIds.filter((_, i) => i % 2 === 0).sort());
      expect(stored.jobRunIds).toHaveLength(10);
      expect(stored.startEntries).toHaveLength(10);
      expect(stored.chain.break).toBeNull();
      const saved = await sourcesOf(h, cellIds);
      for (const cellId of failing) expect(saved.get(cellId)).toBe('select 1');
      expect(await openTransactions(h)).toEqual([]);
    } finally {
      for (const [i, cellId] of failing.entries())
        await clearFault(`${i % 2 === 0 ? 'run' : 'audit'}:${cellId}`);
    }
  });

  // A lone surrogate passes the input schema and the gate (which refuses only NUL), and its run
  // row's plan (jsonb) is refused by the server in the last batch: 22P02 "Unicode low surrogate
  // must follow a high surrogate". The start must still store nothing.
  const LONE = ['select 1 as x -- \ud800', "select 1 as x -- '\udc00'"];

  it('a cell source holding a lone surrogate is refused and stores nothing (not the source, not the supersede)', async () => {
    const { ws, cellId, editor, first, stored } = await withQueuedRun();
    for (const source of LONE) {
      const r = await refusal(editor.runs.start({ projectId: ws.projectId, cellId, source }));
      expect(['INTERNAL_SERVER_ERROR', 'BAD_REQUEST']).toContain(r.code);
      expectNoInternals(r.text);
      await expectUntouched(ws, cellId, first.id, stored);
      const answered = await postBatch(h, ws.users.editor.id, ws.workspaceId, [
        { path: 'runs.start', input: { projectId: ws.projectId, cellId, source } },
      ]);
      expectNoInternals(answered.text);
      await expectUntouched(ws, cellId, first.id, stored);
    }
  });

  // Found by this attack, fixed: a source holding a lone surrogate answered 500 server.internal (the
  // run's plan, jsonb, refused it in the last batch), and logged an error, where the gate refuses a
  // NUL as bad input. The gate now refuses text that is not well-formed UTF-16 too.
  it('a cell source holding a lone surrogate is refused as bad input (4xx), not a 500', async () => {
    const { ws, cellId } = await withQueuedRun();
    const answered = await postBatch(h, ws.users.editor.id, ws.workspaceId, [
      { path: 'runs.start', input: { projectId: ws.projectId, cellId, source: LONE[0] } },
    ]);
    expect(answered.answers[0]?.error?.json?.data?.httpStatus).toBe(400);
    expect(answered.answers[0]?.error?.json?.data?.quarry?.code).toBe('input.invalid');
  });
});
