import { auditEvents, cells, projectConnections } from '@quarry/db/schema';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectIn, refusal } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(() => h?.close());

/** A fresh project of workspace A shared at Can edit with the Workspace group, importing A's connection. */
async function notebookProject() {
  const projectId = await projectIn(h, h.a, [
    { userId: h.a.users.editor.id, permission: 'can_edit' },
    { userId: h.a.users.viewer.id, permission: 'can_edit' },
    { userId: h.a.users.explorer.id, permission: 'can_edit' },
  ]);
  await h.database.db
    .insert(projectConnections)
    .values({ projectId, connectionId: h.a.connectionId, workspaceId: h.a.workspaceId });
  return projectId;
}

/** The project's cells as stored: name, kind, position, source, connection, config; in order. */
async function stored(projectId: string) {
  return h.database.db
    .select({
      id: cells.id,
      name: cells.name,
      kind: cells.kind,
      position: cells.position,
      source: cells.source,
      connectionId: cells.connectionId,
      config: cells.config,
    })
    .from(cells)
    .where(eq(cells.projectId, projectId))
    .orderBy(asc(cells.position), asc(cells.id));
}

/** A small notebook through the API: text, an input `status`, SQL reading it, JS reading the SQL. */
async function demo(projectId: string) {
  const editor = await h.as(h.a, 'editor');
  const text = await editor.projects.addCell({
    projectId,
    kind: 'markdown',
    afterCellId: null,
    source: '# Orders',
  });
  const status = await editor.projects.addCell({
    projectId,
    kind: 'input',
    afterCellId: text.id,
    name: 'status',
    input: { type: 'text', default: 'shipped' },
  });
  const orders = await editor.projects.addCell({
    projectId,
    kind: 'sql',
    afterCellId: status.id,
    name: 'orders',
    source: "select * from orders where status = {{status}} and note <> '{{status}}'",
  });
  const summary = await editor.projects.addCell({
    projectId,
    kind: 'js',
    afterCellId: orders.id,
    name: 'summary',
    source: 'return { n: orders.length, status, key: row.status, s: "status" }',
  });
  return { editor, text, status, orders, summary };
}

describe('notebook cells (issue 11 item 1)', () => {
  it("adds cells of every kind where an Editor asks, naming and placing them, on the project's connection", async () => {
    const projectId = await notebookProject();
    const { editor, text, status, orders, summary } = await demo(projectId);
    expect(text).toMatchObject({ kind: 'markdown', name: 'text_1', position: 0, source: '# Orders' });
    expect(status).toEqual({
      id: status.id,
      kind: 'input',
      name: 'status',
      position: 1,
      input: { type: 'text', default: 'shipped' },
    });
    expect(orders).toMatchObject({ kind: 'sql', position: 2, connectionId: h.a.connectionId });
    expect(summary).toMatchObject({ kind: 'js', position: 3 });
    // A cell added at the top pushes the others down by one.
    const top = await editor.projects.addCell({ projectId, kind: 'sql', afterCellId: null });
    expect(top).toMatchObject({ name: 'query_1', position: 0, source: '', connectionId: h.a.connectionId });
    expect((await stored(projectId)).map((c) => [c.name, c.position])).toEqual([
      ['query_1', 0],
      ['text_1', 1],
      ['status', 2],
      ['orders', 3],
      ['summary', 4],
    ]);
    const detail = await editor.projects.get({ projectId });
    if (detail.logicHidden) throw new Error('an Editor sees the logic');
    expect(detail.cells.map((c) => c.name)).toEqual(['query_1', 'text_1', 'status', 'orders', 'summary']);
    const audit = await h.database.db
      .select({ action: auditEvents.action, targetId: auditEvents.targetId, actorId: auditEvents.actorId })
      .from(auditEvents)
      .where(inArray(auditEvents.targetId, [top.id, status.id]));
    expect(audit).toEqual(
      expect.arrayContaining([
        { action: 'cell.add', targetId: top.id, actorId: h.a.users.editor.id },
        { action: 'cell.add', targetId: status.id, actorId: h.a.users.editor.id },
      ]),
    );
  });

  it('refuses a new cell whose name another cell has, or fields that do not fit its kind, adding nothing', async () => {
    const projectId = await notebookProject();
    const { editor, orders } = await demo(projectId);
    const before = await stored(projectId);
    expect(
      await refusal(
        editor.projects.addCell({ projectId, kind: 'js', afterCellId: orders.id, name: 'status' }),
      ),
    ).toMatchObject({ quarry: 'notebook.name_taken', details: { name: 'status' } });
    expect(
      await refusal(
        editor.projects.addCell({ projectId, kind: 'js', afterCellId: null, connectionId: h.a.connectionId }),
      ),
    ).toMatchObject({ quarry: 'notebook.field_not_for_kind', details: { field: 'connectionId' } });
    expect(
      await refusal(
        editor.projects.addCell({
          projectId,
          kind: 'markdown',
          afterCellId: null,
          input: { type: 'text', default: '' },
        }),
      ),
    ).toMatchObject({ quarry: 'notebook.field_not_for_kind', details: { field: 'input' } });
    expect(await stored(projectId)).toEqual(before);
  });

  it('saves each kind only its own fields', async () => {
    const projectId = await notebookProject();
    const { editor, status, summary } = await demo(projectId);
    await editor.projects.updateCell({
      projectId,
      cellId: status.id,
      input: {
        type: 'select',
        options: { from: 'list', values: ['shipped', 'pending'] },
        default: 'pending',
      },
    });
    await editor.projects.updateCell({ projectId, cellId: summary.id, source: 'return 42' });
    const before = await stored(projectId);
    expect(before.find((c) => c.id === status.id)?.config).toEqual({
      type: 'select',
      options: { from: 'list', values: ['shipped', 'pending'] },
      default: 'pending',
    });
    expect(before.find((c) => c.id === summary.id)?.source).toBe('return 42');
    for (const [cellId, change, field] of [
      [status.id, { source: 'select 1' }, 'source'],
      [summary.id, { connectionId: h.a.connectionId }, 'connectionId'],
      [summary.id, { input: { type: 'text' as const, default: '' } }, 'input'],
    ] as const) {
      expect(await refusal(editor.projects.updateCell({ projectId, cellId, ...change }))).toMatchObject({
        quarry: 'notebook.field_not_for_kind',
        details: { field },
      });
    }
    expect(await stored(projectId)).toEqual(before);
  });

  it('moves a cell, keeping positions dense, and refuses a move that would put a read below its reader', async () => {
    const projectId = await notebookProject();
    const { editor, text, status, orders, summary } = await demo(projectId);
    await editor.projects.moveCell({ projectId, cellId: text.id, position: 3 });
    expect((await stored(projectId)).map((c) => [c.name, c.position])).toEqual([
      ['status', 0],
      ['orders', 1],
      ['summary', 2],
      ['text_1', 3],
    ]);
    const before = await stored(projectId);
    expect(
      await refusal(editor.projects.moveCell({ projectId, cellId: summary.id, position: 0 })),
    ).toMatchObject({
      quarry: 'notebook.forward_reference',
      details: { cell: 'summary', name: 'orders' },
    });
    expect(
      await refusal(editor.projects.moveCell({ projectId, cellId: status.id, position: 2 })),
    ).toMatchObject({
      quarry: 'notebook.forward_reference',
      details: { cell: 'orders', name: 'status' },
    });
    expect(await stored(projectId)).toEqual(before);
    expect(orders.position).toBe(2);
  });

  it('renames a cell and rewrites the references below it, not strings, properties or comments', async () => {
    const projectId = await notebookProject();
    const { editor, status, orders, summary } = await demo(projectId);
    const renamed = await editor.projects.renameCell({ projectId, cellId: status.id, name: 'order_status' });
    expect(renamed.rewritten.sort()).toEqual([orders.id, summary.id].sort());
    const after = await stored(projectId);
    expect(after.find((c) => c.id === status.id)?.name).toBe('order_status');
    expect(after.find((c) => c.id === orders.id)?.source).toBe(
      "select * from orders where status = {{order_status}} and note <> '{{status}}'",
    );
    expect(after.find((c) => c.id === summary.id)?.source).toBe(
      'return { n: orders.length, status: order_status, key: row.status, s: "status" }',
    );
    const [entry] = await h.database.db
      .select({ details: auditEvents.details })
      .from(auditEvents)
      .where(and(eq(auditEvents.targetId, status.id), eq(auditEvents.action, 'cell.rename')));
    expect(entry?.details).toMatchObject({ from: 'status', to: 'order_status' });
  });

  it('refuses a rename to a name another cell has (notebook.name_taken), renaming and rewriting nothing', async () => {
    const projectId = await notebookProject();
    const { editor, status } = await demo(projectId);
    const before = await stored(projectId);
    expect(
      await refusal(editor.projects.renameCell({ projectId, cellId: status.id, name: 'orders' })),
    ).toMatchObject({
      quarry: 'notebook.name_taken',
      details: { name: 'orders' },
    });
    expect(await stored(projectId)).toEqual(before);
  });

  it('refuses a rename whose new name a JS cell reading the old one declares itself, changing nothing', async () => {
    const projectId = await notebookProject();
    const { editor, status, summary } = await demo(projectId);
    await editor.projects.updateCell({
      projectId,
      cellId: summary.id,
      source: 'const label = 1; return status + label',
    });
    const before = await stored(projectId);
    expect(
      await refusal(editor.projects.renameCell({ projectId, cellId: status.id, name: 'label' })),
    ).toMatchObject({
      quarry: 'notebook.name_taken',
      details: { name: 'label', cell: 'summary' },
    });
    expect(await stored(projectId)).toEqual(before);
  });

  it('deletes a cell and closes the gap', async () => {
    const projectId = await notebookProject();
    const { editor, status } = await demo(projectId);
    await editor.projects.deleteCell({ projectId, cellId: status.id });
    expect((await stored(projectId)).map((c) => [c.name, c.position])).toEqual([
      ['text_1', 0],
      ['orders', 1],
      ['summary', 2],
    ]);
  });

  it('refuses every cell change to a Viewer and an Explorer, changing nothing', async () => {
    const projectId = await notebookProject();
    const { status, orders } = await demo(projectId);
    const before = await stored(projectId);
    for (const role of ['viewer', 'explorer'] as const) {
      const caller = await h.as(h.a, role);
      const attempts: Array<[string, () => Promise<unknown>]> = [
        ['addCell', () => caller.projects.addCell({ projectId, kind: 'js', afterCellId: null })],
        [
          'updateCell',
          () => caller.projects.updateCell({ projectId, cellId: orders.id, source: 'select 2' }),
        ],
        ['moveCell', () => caller.projects.moveCell({ projectId, cellId: orders.id, position: 3 })],
        ['renameCell', () => caller.projects.renameCell({ projectId, cellId: status.id, name: 'renamed' })],
        ['deleteCell', () => caller.projects.deleteCell({ projectId, cellId: orders.id })],
      ];
      for (const [name, attempt] of attempts) {
        expect((await refusal(attempt())).code, `${role} ${name}`).toBe('FORBIDDEN');
      }
    }
    expect(await stored(projectId)).toEqual(before);
  });

  it("answers NOT_FOUND for another workspace's project or cell, changing nothing", async () => {
    const projectId = await notebookProject();
    const { status, orders } = await demo(projectId);
    const before = await stored(projectId);
    const bAdmin = await h.as(h.b, 'admin');
    const own = h.b.projectId;
    const ownBefore = await stored(own);
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ['addCell (A project)', () => bAdmin.projects.addCell({ projectId, kind: 'js', afterCellId: null })],
      [
        'addCell (after an A cell)',
        () => bAdmin.projects.addCell({ projectId: own, kind: 'js', afterCellId: orders.id }),
      ],
      [
        'updateCell (A cell)',
        () => bAdmin.projects.updateCell({ projectId: own, cellId: orders.id, source: 'select 2' }),
      ],
      ['moveCell (A project)', () => bAdmin.projects.moveCell({ projectId, cellId: orders.id, position: 0 })],
      [
        'moveCell (A cell)',
        () => bAdmin.projects.moveCell({ projectId: own, cellId: orders.id, position: 0 }),
      ],
      [
        'renameCell (A cell)',
        () => bAdmin.projects.renameCell({ projectId: own, cellId: status.id, name: 'x' }),
      ],
      [
        'renameCell (A project)',
        () => bAdmin.projects.renameCell({ projectId, cellId: status.id, name: 'x' }),
      ],
      ['deleteCell (A cell)', () => bAdmin.projects.deleteCell({ projectId: own, cellId: orders.id })],
      ['deleteCell (A project)', () => bAdmin.projects.deleteCell({ projectId, cellId: orders.id })],
    ];
    for (const [name, attempt] of attempts) {
      const refused = await refusal(attempt());
      expect(refused.code, name).toBe('NOT_FOUND');
      expect(refused.text, name).not.toContain('orders');
    }
    expect(await stored(projectId)).toEqual(before);
    expect(await stored(own)).toEqual(ownBefore);
  });

  it('keeps positions 0..n-1 with no duplicates when 20 cells are added at once', async () => {
    const projectId = await notebookProject();
    const editor = await h.as(h.a, 'editor');
    const first = await editor.projects.addCell({ projectId, kind: 'sql', afterCellId: null });
    const added = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        editor.projects.addCell({
          projectId,
          kind: i % 2 ? 'js' : 'markdown',
          afterCellId: i % 3 ? first.id : null,
        }),
      ),
    );
    const rows = await stored(projectId);
    expect(rows).toHaveLength(21);
    expect(rows.map((c) => c.position)).toEqual(Array.from({ length: 21 }, (_, i) => i));
    expect(new Set(rows.map((c) => c.name)).size).toBe(21);
    expect(new Set(added.map((c) => c.id)).size).toBe(20);
  });
});
