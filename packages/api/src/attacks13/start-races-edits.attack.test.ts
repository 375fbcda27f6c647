import { verifyAuditChain } from '@quarry/db/audit';
import { cells, runs } from '@quarry/db/schema';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoInternals, freshWorkspace, openTransactions, postBatch, storedBy } from '../attacks10/kit';
import { type ApiHarness, createApiHarness } from '../testing/harness';

// Attacks on today's one-statement start (fbd06c6): the project's FOR SHARE, the cell's FOR NO KEY
// UPDATE and the owner's outstanding count in one statement, the cells and dialects read after.
// Starts raced, through the API, with every kind of notebook edit (add, move, rename, delete, save
// another cell's source) and with deletes of the started cell itself, alone and batched in one
// HTTP request; afterwards the notebook must be whole (dense positions, unique names), each
// started cell must have exactly one active run of its owner whose SQL is the cell's saved
// source, and nothing may be left half done.

let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 2 });
}, 120_000);
afterAll(() => h?.close());

const notebookOf = (workspaceId: string, projectId: string) =>
  h.database.db
    .select()
    .from(cells)
    .where(and(eq(cells.workspaceId, workspaceId), eq(cells.projectId, projectId)))
    .orderBy(asc(cells.position));

const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({
      ok: false as const,
      error: String(error),
      code: (error as { code?: string }).code ?? '',
    }),
  );

describe('1. starts raced with every kind of notebook edit', () => {
  it('6 rounds of 3 starts of X and 1 of Z against a rename and move of X, an add, a delete of Y and a save of Z: notebook whole, one active run a cell, its SQL the saved source', async () => {
    const ws = await freshWorkspace(h);
    const editor = await h.as(ws, 'editor');
    const add = (name: string, source: string) =>
      editor.projects.addCell({
        projectId: ws.projectId,
        kind: 'sql',
        afterCellId: null,
        name,
        connectionId: ws.connectionId,
        source,
      });
    const x = await add('x_cell', 'select 0 as x');
    const z = await add('z_cell', 'select 0 as z');
    for (let round = 0; round < 6; round += 1) {
      const y = await add(`y_${round}`, 'select 0 as y');
      const results = await Promise.all([
        ...[1, 2, 3].map((n) =>
          settle(
            editor.runs.start({
              projectId: ws.projectId,
              cellId: x.id,
              source: `select ${round * 10 + n} as x`,
            }),
          ),
        ),
        settle(editor.runs.start({ projectId: ws.projectId, cellId: z.id, source: `select ${round} as z` })),
        settle(editor.projects.renameCell({ projectId: ws.projectId, cellId: x.id, name: `x_${round}` })),
        settle(editor.projects.moveCell({ projectId: ws.projectId, cellId: x.id, position: round % 3 })),
        settle(add(`added_${round}`, 'select 1')),
        settle(editor.projects.deleteCell({ projectId: ws.projectId, cellId: y.id })),
        settle(
          editor.projects.updateCell({
            projectId: ws.projectId,
            cellId: z.id,
            source: `select ${round} as z`,
          }),
        ),
      ]);
      for (const r of results) {
        // Every call of the round succeeds: none of them conflicts with another.
        expect(r.ok, r.ok ? '' : r.error).toBe(true);
        if (!r.ok) expectNoInternals(r.error);
      }
    }
    const notebook = await notebookOf(ws.workspaceId, ws.projectId);
    expect(notebook.map((c) => c.position)).toEqual(notebook.map((_, i) => i));
    expect(new Set(notebook.map((c) => c.name)).size).toBe(notebook.length);
    expect(notebook.map((c) => c.name)).toContain('x_5');
    for (const cell of [x, z]) {
      const active = await h.database.db
        .select()
        .from(runs)
        .where(and(eq(runs.cellId, cell.id), eq(runs.ownerId, ws.users.editor.id)));
      const live = active.filter((r) => r.status === 'queued' || r.status === 'running');
      expect(live).toHaveLength(1);
      const saved = notebook.find((c) => c.id === cell.id)?.source;
      expect(live[0]?.source).toBe(saved);
      // Every other run of the cell was superseded.
      expect(active.filter((r) => r !== live[0]).every((r) => r.status === 'cancelled')).toBe(true);
    }
    expect((await verifyAuditChain(h.database.db, ws.workspaceId)).break).toBeNull();
    expect(await openTransactions(h)).toEqual([]);
  });

  it('a start raced with the delete of its own cell, 10 times: either refused as not found storing nothing, or stored whole with its job', async () => {
    const ws = await freshWorkspace(h);
    const editor = await h.as(ws, 'editor');
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const cell = await editor.projects.addCell({
        projectId: ws.projectId,
        kind: 'sql',
        afterCellId: null,
        name: `doomed_${i}`,
        connectionId: ws.connectionId,
        source: 'select 1',
      });
      const [started, deleted] = await Promise.all([
        settle(
          editor.runs.start({ projectId: ws.projectId, cellId: cell.id, source: `select ${i} as doomed` }),
        ),
        settle(editor.projects.deleteCell({ projectId: ws.projectId, cellId: cell.id })),
      ]);
      expect(deleted.ok).toBe(true);
      const stored = await storedBy(h, ws.workspaceId);
      const ofCell = stored.runs.filter((r) => r.cell_id === cell.id);
      if (started.ok) {
        outcomes.push('started');
        expect(ofCell.map((r) => r.id)).toEqual([started.value.id]);
        expect(stored.jobRunIds).toContain(started.value.id);
      } else {
        outcomes.push('refused');
        expect(started.code).toBe('NOT_FOUND');
        expectNoInternals(started.error);
        expect(ofCell).toEqual([]);
      }
    }
    const stored = await storedBy(h, ws.workspaceId);
    // One run.start entry for each accepted start, none for a refused one.
    expect(stored.startEntries.length).toBe(outcomes.filter((o) => o === 'started').length);
    expect(stored.chain.break).toBeNull();
    expect(await openTransactions(h)).toEqual([]);
  });
});

describe('2. batched in one HTTP request', () => {
  it('a batch of 4 starts of one cell, a rename and a move of it: every call answers, one run stays active, its SQL is the saved source', async () => {
    const ws = await freshWorkspace(h);
    const editor = await h.as(ws, 'editor');
    const cell = await editor.projects.addCell({
      projectId: ws.projectId,
      kind: 'sql',
      afterCellId: null,
      name: 'batched',
      connectionId: ws.connectionId,
      source: 'select 0',
    });
    const answered = await postBatch(h, ws.users.editor.id, ws.workspaceId, [
      ...[1, 2, 3, 4].map((n) => ({
        path: 'runs.start',
        input: { projectId: ws.projectId, cellId: cell.id, source: `select ${n} as batched` },
      })),
      { path: 'projects.renameCell', input: { projectId: ws.projectId, cellId: cell.id, name: 'renamed' } },
      { path: 'projects.moveCell', input: { projectId: ws.projectId, cellId: cell.id, position: 0 } },
    ]);
    expectNoInternals(answered.text);
    expect(answered.answers).toHaveLength(6);
    for (const answer of answered.answers) expect(answer.error).toBeUndefined();
    const stored = await storedBy(h, ws.workspaceId);
    const live = stored.active.filter((r) => r.cell_id === cell.id);
    expect(live).toHaveLength(1);
    const [row] = await h.database.db
      .select()
      .from(runs)
      .where(eq(runs.id, live[0]?.id ?? ''));
    const [saved] = await h.database.db.select().from(cells).where(eq(cells.id, cell.id));
    expect(row?.source).toBe(saved?.source);
    expect(saved?.name).toBe('renamed');
    expect(saved?.position).toBe(0);
    expect(stored.chain.break).toBeNull();
  });
});
