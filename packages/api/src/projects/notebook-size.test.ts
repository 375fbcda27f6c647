import { newId } from '@quarry/db';
import { cells } from '@quarry/db/schema';
import { MAX_NOTEBOOK_CELLS, MAX_NOTEBOOK_SOURCE } from '@quarry/notebook';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectIn, refusal } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(() => h?.close());

const CELL = 100_000;

/**
 * A project of A the Editor can edit, holding `count` Markdown cells of `each` characters written
 * straight to the database (as a notebook saved before the bounds existed could be), then one JS
 * cell `js` reading nothing. Answers the project and the JS cell's id.
 */
async function bigNotebook(count: number, each: number) {
  const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
  const text = 'x'.repeat(each);
  const rows = Array.from({ length: count }, (_, i) => ({
    id: newId('cell'),
    workspaceId: h.a.workspaceId,
    projectId,
    position: i,
    name: `text_${i}`,
    kind: 'markdown' as const,
    source: text,
  }));
  for (let i = 0; i < rows.length; i += 100) await h.database.db.insert(cells).values(rows.slice(i, i + 100));
  const jsId = newId('cell');
  await h.database.db.insert(cells).values({
    id: jsId,
    workspaceId: h.a.workspaceId,
    projectId,
    position: count,
    name: 'js',
    kind: 'js',
    source: 'return 1',
  });
  return { projectId, jsId };
}

async function sources(projectId: string) {
  const rows = await h.database.db
    .select({ id: cells.id, source: cells.source })
    .from(cells)
    .where(eq(cells.projectId, projectId))
    .orderBy(asc(cells.position));
  return { count: rows.length, total: rows.reduce((sum, r) => sum + r.source.length, 0), rows };
}

describe('a notebook’s bounds (notebook.too_large)', () => {
  it(`refuses a cell past ${MAX_NOTEBOOK_CELLS} cells, adding nothing`, async () => {
    // 498 Markdown cells and the JS cell: room for one more.
    const { projectId } = await bigNotebook(MAX_NOTEBOOK_CELLS - 2, 0);
    const editor = await h.as(h.a, 'editor');
    await editor.projects.addCell({ projectId, kind: 'markdown', afterCellId: null, source: 'last' });
    const refused = await refusal(
      editor.projects.addCell({ projectId, kind: 'input', afterCellId: null, name: 'one_more' }),
    );
    expect(refused).toMatchObject({
      code: 'BAD_REQUEST',
      quarry: 'notebook.too_large',
      details: { cells: MAX_NOTEBOOK_CELLS + 1, maxCells: MAX_NOTEBOOK_CELLS },
    });
    expect((await sources(projectId)).count).toBe(MAX_NOTEBOOK_CELLS);
  });

  it('refuses an added or saved source that takes the text past the bound, saving nothing; a same-size save passes', async () => {
    // 52 cells of 100,000 characters: 5,200,008 characters of the 5 MB (5,242,880).
    const { projectId, jsId } = await bigNotebook(52, CELL);
    const editor = await h.as(h.a, 'editor');
    const before = await sources(projectId);
    const grow = `return ${'1+'.repeat(25_000)}1`;
    expect(before.total - 8 + grow.length).toBeGreaterThan(MAX_NOTEBOOK_SOURCE);
    expect(
      await refusal(editor.projects.updateCell({ projectId, cellId: jsId, source: grow })),
    ).toMatchObject({ quarry: 'notebook.too_large', details: { maxSource: MAX_NOTEBOOK_SOURCE } });
    expect(
      await refusal(editor.projects.addCell({ projectId, kind: 'js', afterCellId: jsId, source: grow })),
    ).toMatchObject({ quarry: 'notebook.too_large' });
    expect(await sources(projectId)).toEqual(before);
    await editor.projects.updateCell({ projectId, cellId: jsId, source: 'return 2' });
    expect((await sources(projectId)).rows.at(-1)?.source).toBe('return 2');
  });

  it('lets a notebook already past the bound shrink, and runs none of its cells until it is within', async () => {
    // 53 cells of 100,000 characters: past the bound, as a notebook saved before it could be.
    const { projectId, jsId } = await bigNotebook(53, CELL);
    const editor = await h.as(h.a, 'editor');
    expect(await refusal(editor.runs.start({ projectId, cellId: jsId, source: 'return 1' }))).toMatchObject({
      quarry: 'notebook.too_large',
    });
    const [first] = (await sources(projectId)).rows;
    if (!first) throw new Error('no cell');
    // Shrinking a cell is let through though the notebook stays past the bound ...
    await editor.projects.updateCell({ projectId, cellId: first.id, source: 'x'.repeat(CELL / 2) });
    expect(await refusal(editor.runs.start({ projectId, cellId: jsId, source: 'return 1' }))).toMatchObject({
      quarry: 'notebook.too_large',
    });
    // ... and once within, its cells run again.
    await editor.projects.updateCell({ projectId, cellId: first.id, source: '' });
    const run = await editor.runs.start({ projectId, cellId: jsId, source: 'return 1' });
    expect(run.status).toBe('queued');
  });

  // 5,200,000 UTF-16 units of text either way: within the bound by 42,880 less the JS cells' text.
  // Two-byte characters count one unit each; a character outside the Basic Multilingual Plane (four
  // bytes) counts two, which the server's exact count must see though it is one character to it.
  it.each([
    ['two-byte characters', 'é', 52],
    ['characters outside the BMP', '😀', 26],
  ])(
    'lets only one of two parallel starts that together lengthen the text past the bound through (%s)',
    async (_, char, count) => {
      const { projectId, jsId } = await bigNotebook(0, 0);
      const text = char.repeat(CELL);
      await h.database.db.insert(cells).values(
        Array.from({ length: count }, (_, i) => ({
          id: newId('cell'),
          workspaceId: h.a.workspaceId,
          projectId,
          position: i + 1,
          name: `text_${i}`,
          kind: 'markdown' as const,
          source: text,
        })),
      );
      const otherJsId = newId('cell');
      await h.database.db.insert(cells).values({
        id: otherJsId,
        workspaceId: h.a.workspaceId,
        projectId,
        position: count + 1,
        name: 'js_2',
        kind: 'js',
        source: 'return 2',
      });
      const editor = await h.as(h.a, 'editor');
      // Each start alone fits; both together would take the text past the bound.
      const longer = (n: number) => `return ${n} // ${'y'.repeat(30_000)}`;
      const results = await Promise.allSettled([
        editor.runs.start({ projectId, cellId: jsId, source: longer(1) }),
        editor.runs.start({ projectId, cellId: otherJsId, source: longer(2) }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({ quarry: { code: 'notebook.too_large' } });
      const { total } = await sources(projectId);
      expect(total).toBeLessThanOrEqual(MAX_NOTEBOOK_SOURCE);
      expect(total).toBe(count * text.length + longer(1).length + 'return 2'.length);
    },
  );
});
