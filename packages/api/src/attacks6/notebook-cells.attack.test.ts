import { newId } from '@quarry/db';
import { cells, connections, projectConnections, runs, workspaceMembers } from '@quarry/db/schema';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupIn, projectIn, refusal, uniqueName } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';

// An outside attacker's pass over the notebook procedures (issue 11 item 1): another workspace's
// ids in every field, members below Can edit, deactivated members, and many changes at once.
let h: ApiHarness;

beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
}, 60_000);
afterAll(() => h?.close());

type Workspace = ApiHarness['a'];

/** A fresh project of `workspace` importing its fixture connection, shared at Can edit with its Editor. */
async function notebook(workspace: Workspace) {
  const projectId = await projectIn(h, workspace, [
    { userId: workspace.users.editor.id, permission: 'can_edit' },
    { userId: workspace.users.viewer.id, permission: 'can_edit' },
    { userId: workspace.users.explorer.id, permission: 'can_edit' },
    { userId: workspace.users.guest.id, permission: 'can_edit' },
  ]);
  await h.database.db
    .insert(projectConnections)
    .values({ projectId, connectionId: workspace.connectionId, workspaceId: workspace.workspaceId });
  const editor = await h.as(workspace, 'editor');
  const status = await editor.projects.addCell({
    projectId,
    kind: 'input',
    afterCellId: null,
    name: 'status',
    input: { type: 'text', default: 'shipped' },
  });
  const orders = await editor.projects.addCell({
    projectId,
    kind: 'sql',
    afterCellId: status.id,
    name: 'orders',
    source: 'select * from orders where status = {{status}}',
  });
  const summary = await editor.projects.addCell({
    projectId,
    kind: 'js',
    afterCellId: orders.id,
    name: 'summary',
    source: 'return orders.length',
  });
  return { projectId, editor, status, orders, summary };
}

/** Everything about a project's cells that a change could touch, in order. */
async function snapshot(projectId: string) {
  return h.database.db
    .select({
      id: cells.id,
      name: cells.name,
      position: cells.position,
      source: cells.source,
      connectionId: cells.connectionId,
      config: cells.config,
      projectId: cells.projectId,
      workspaceId: cells.workspaceId,
    })
    .from(cells)
    .where(eq(cells.projectId, projectId))
    .orderBy(asc(cells.position), asc(cells.id));
}

const runsOfCell = async (cellId: string) =>
  h.database.db.select({ id: runs.id }).from(runs).where(eq(runs.cellId, cellId));

describe("another workspace's ids in every field", () => {
  it("A's Editor naming B's project, cells or connection changes nothing in either notebook", async () => {
    const a = await notebook(h.a);
    const b = await notebook(h.b);
    const beforeA = await snapshot(a.projectId);
    const beforeB = await snapshot(b.projectId);
    const attacker = a.editor;

    const attempts: Array<[string, () => Promise<unknown>]> = [
      // B's project id outright.
      [
        'add into B',
        () => attacker.projects.addCell({ projectId: b.projectId, kind: 'markdown', afterCellId: null }),
      ],
      [
        'move in B',
        () => attacker.projects.moveCell({ projectId: b.projectId, cellId: b.orders.id, position: 0 }),
      ],
      [
        'rename in B',
        () => attacker.projects.renameCell({ projectId: b.projectId, cellId: b.orders.id, name: 'x' }),
      ],
      ['delete in B', () => attacker.projects.deleteCell({ projectId: b.projectId, cellId: b.orders.id })],
      [
        'update in B',
        () => attacker.projects.updateCell({ projectId: b.projectId, cellId: b.orders.id, source: 'x' }),
      ],
      // A's own project with B's cell ids.
      [
        'add after B cell',
        () =>
          attacker.projects.addCell({ projectId: a.projectId, kind: 'markdown', afterCellId: b.orders.id }),
      ],
      [
        'move B cell',
        () => attacker.projects.moveCell({ projectId: a.projectId, cellId: b.orders.id, position: 0 }),
      ],
      [
        'rename B cell',
        () => attacker.projects.renameCell({ projectId: a.projectId, cellId: b.orders.id, name: 'x' }),
      ],
      ['delete B cell', () => attacker.projects.deleteCell({ projectId: a.projectId, cellId: b.orders.id })],
      [
        'update B cell',
        () =>
          attacker.projects.updateCell({ projectId: a.projectId, cellId: b.orders.id, source: 'select 666' }),
      ],
      // A's project and cell with B's connection.
      [
        'add on B conn',
        () =>
          attacker.projects.addCell({
            projectId: a.projectId,
            kind: 'sql',
            afterCellId: null,
            connectionId: h.b.connectionId,
            source: 'select 1',
          }),
      ],
      [
        'update to B conn',
        () =>
          attacker.projects.updateCell({
            projectId: a.projectId,
            cellId: a.orders.id,
            connectionId: h.b.connectionId,
          }),
      ],
      // Runs: B's cell from A's project, A's cell from B's project.
      [
        'run B cell',
        () => attacker.runs.start({ projectId: a.projectId, cellId: b.orders.id, source: 'select 1' }),
      ],
      [
        'run in B',
        () => attacker.runs.start({ projectId: b.projectId, cellId: b.orders.id, source: 'select 1' }),
      ],
    ];
    for (const [what, attempt] of attempts) {
      const refused = await refusal(attempt());
      expect(['NOT_FOUND', 'BAD_REQUEST'], what).toContain(refused.code);
      if (refused.code === 'BAD_REQUEST') expect(refused.quarry, what).toBe('connections.not_in_project');
      // Nothing of B is named back to A.
      expect(refused.text, what).not.toContain(b.orders.id);
      expect(refused.text, what).not.toContain(h.b.connectionId);
    }
    expect(await snapshot(a.projectId)).toEqual(beforeA);
    expect(await snapshot(b.projectId)).toEqual(beforeB);
    expect(await runsOfCell(b.orders.id)).toEqual([]);
  });

  it("a select input's options naming B's cell are stored but never reach B's cell", async () => {
    // The options' cellId is not checked against the project: the stored id must at least never
    // let a run, or a read, reach the other workspace's cell.
    const a = await notebook(h.a);
    const b = await notebook(h.b);
    await a.editor.projects.updateCell({
      projectId: a.projectId,
      cellId: a.status.id,
      input: {
        type: 'select',
        options: { from: 'cell', cellId: b.orders.id, column: 'status' },
        default: null,
      },
    });
    const refused = await refusal(
      a.editor.runs.start({ projectId: a.projectId, cellId: b.orders.id, source: 'select 1' }),
    );
    expect(refused.code).toBe('NOT_FOUND');
    expect(await runsOfCell(b.orders.id)).toEqual([]);
  });
  it("another project's cells in the same workspace are NOT_FOUND through a project the caller edits", async () => {
    const mine = await notebook(h.a);
    // A project of A shared with nobody but its Admin: the Editor may not see it at all.
    const hidden = await projectIn(h, h.a, []);
    await h.database.db
      .insert(projectConnections)
      .values({ projectId: hidden, connectionId: h.a.connectionId, workspaceId: h.a.workspaceId });
    const admin = await h.as(h.a, 'admin');
    const secret = await admin.projects.addCell({
      projectId: hidden,
      kind: 'sql',
      afterCellId: null,
      name: 'secret',
      source: 'select 1',
    });
    const before = await snapshot(hidden);
    const e = mine.editor;
    for (const attempt of [
      () => e.projects.moveCell({ projectId: mine.projectId, cellId: secret.id, position: 0 }),
      () => e.projects.renameCell({ projectId: mine.projectId, cellId: secret.id, name: 'mine_now' }),
      () => e.projects.deleteCell({ projectId: mine.projectId, cellId: secret.id }),
      () => e.projects.updateCell({ projectId: mine.projectId, cellId: secret.id, source: 'select 2' }),
      () => e.projects.addCell({ projectId: mine.projectId, kind: 'markdown', afterCellId: secret.id }),
      () => e.runs.start({ projectId: mine.projectId, cellId: secret.id, source: 'select 3' }),
      () => e.projects.addCell({ projectId: hidden, kind: 'markdown', afterCellId: null }),
    ]) {
      expect((await refusal(attempt())).code).toBe('NOT_FOUND');
    }
    expect(await snapshot(hidden)).toEqual(before);
    expect(await runsOfCell(secret.id)).toEqual([]);
  });
});

describe('members below Can edit, and members who are gone', () => {
  it('a Viewer, an Explorer and a Guest (each granted Can edit) change no cell and start no run', async () => {
    const a = await notebook(h.a);
    const before = await snapshot(a.projectId);
    for (const role of ['viewer', 'explorer', 'guest'] as const) {
      const caller = await h.as(h.a, role);
      const attempts = [
        () =>
          caller.projects.addCell({
            projectId: a.projectId,
            kind: 'markdown',
            afterCellId: null,
            source: role,
          }),
        () => caller.projects.moveCell({ projectId: a.projectId, cellId: a.summary.id, position: 0 }),
        () => caller.projects.renameCell({ projectId: a.projectId, cellId: a.orders.id, name: `by_${role}` }),
        () => caller.projects.deleteCell({ projectId: a.projectId, cellId: a.summary.id }),
        () =>
          caller.projects.updateCell({
            projectId: a.projectId,
            cellId: a.orders.id,
            source: `select '${role}'`,
          }),
        () => caller.runs.start({ projectId: a.projectId, cellId: a.orders.id, source: `select '${role}'` }),
      ];
      for (const attempt of attempts) {
        const refused = await refusal(attempt());
        expect(['FORBIDDEN', 'NOT_FOUND'], role).toContain(refused.code);
      }
    }
    expect(await snapshot(a.projectId)).toEqual(before);
    expect(await runsOfCell(a.orders.id)).toEqual([]);
  });

  it("a deactivated Editor's live session and API token change nothing", async () => {
    const a = await notebook(h.a);
    const before = await snapshot(a.projectId);
    const session = await h.as(h.a, 'editor');
    const { caller: token } = await h.withToken(h.a, 'editor');
    const where = and(
      eq(workspaceMembers.workspaceId, h.a.workspaceId),
      eq(workspaceMembers.userId, h.a.users.editor.id),
    );
    await h.database.db.update(workspaceMembers).set({ deactivatedAt: new Date() }).where(where);
    try {
      for (const caller of [session, token]) {
        for (const attempt of [
          () => caller.projects.addCell({ projectId: a.projectId, kind: 'markdown', afterCellId: null }),
          () => caller.projects.renameCell({ projectId: a.projectId, cellId: a.orders.id, name: 'gone' }),
          () => caller.projects.deleteCell({ projectId: a.projectId, cellId: a.orders.id }),
          () => caller.runs.start({ projectId: a.projectId, cellId: a.orders.id, source: 'select 2' }),
        ]) {
          // A caller made before the deactivation holds its context: the gate reloads the
          // membership and finds none (NOT_FOUND); a new request finds no session (signed out).
          const refused = await refusal(attempt());
          expect(['UNAUTHORIZED', 'NOT_FOUND']).toContain(refused.code);
        }
      }
    } finally {
      await h.database.db.update(workspaceMembers).set({ deactivatedAt: null }).where(where);
    }
    expect(await snapshot(a.projectId)).toEqual(before);
    expect(await runsOfCell(a.orders.id)).toEqual([]);
  });
});

describe('many changes at once', () => {
  it('50 parallel unnamed addCell calls make 50 cells with distinct names and dense positions', async () => {
    const a = await notebook(h.a);
    const added = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        a.editor.projects.addCell({
          projectId: a.projectId,
          kind: i % 2 ? 'js' : 'sql',
          afterCellId: i % 3 ? a.orders.id : null,
        }),
      ),
    );
    expect(added.filter((r) => r.status === 'fulfilled')).toHaveLength(50);
    const after = await snapshot(a.projectId);
    expect(after).toHaveLength(53);
    expect(after.map((c) => c.position)).toEqual(Array.from({ length: 53 }, (_, i) => i));
    expect(new Set(after.map((c) => c.name)).size).toBe(53);
  });

  it('50 parallel moves keep positions 0..n-1, and every read still points upward', async () => {
    const a = await notebook(h.a);
    for (let i = 0; i < 10; i += 1) {
      await a.editor.projects.addCell({ projectId: a.projectId, kind: 'markdown', afterCellId: null });
    }
    const ids = (await snapshot(a.projectId)).map((c) => c.id);
    const moves = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        a.editor.projects.moveCell({
          projectId: a.projectId,
          cellId: ids[(i * 7) % ids.length] ?? '',
          position: (i * 5) % 14,
        }),
      ),
    );
    // Some moves are refused (they would put `orders` above `status`, or `summary` above `orders`).
    for (const m of moves) {
      if (m.status === 'rejected') expect(String(m.reason)).toMatch(/reads|read|above|below|forward/i);
    }
    const after = await snapshot(a.projectId);
    expect(after.map((c) => c.position)).toEqual(Array.from({ length: 13 }, (_, i) => i));
    const at = new Map(after.map((c) => [c.name, c.position]));
    expect(at.get('status') ?? 99).toBeLessThan(at.get('orders') ?? -1);
    expect(at.get('orders') ?? 99).toBeLessThan(at.get('summary') ?? -1);
  });

  it('30 parallel renames of different cells to one name: exactly one wins, the rest are name_taken', async () => {
    const a = await notebook(h.a);
    const made = [];
    for (let i = 0; i < 30; i += 1) {
      made.push(
        await a.editor.projects.addCell({ projectId: a.projectId, kind: 'markdown', afterCellId: null }),
      );
    }
    const outcomes = await Promise.allSettled(
      made.map((cell) =>
        a.editor.projects.renameCell({ projectId: a.projectId, cellId: cell.id, name: 'winner' }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const after = await snapshot(a.projectId);
    expect(after.filter((c) => c.name === 'winner')).toHaveLength(1);
    expect(new Set(after.map((c) => c.name)).size).toBe(after.length);
  });

  it('parallel renames of one cell and adds under the old and new names leave names unique', async () => {
    const a = await notebook(h.a);
    const jobs = [
      ...Array.from({ length: 10 }, (_, i) =>
        a.editor.projects.renameCell({
          projectId: a.projectId,
          cellId: a.orders.id,
          name: `orders_${i % 3}`,
        }),
      ),
      ...Array.from({ length: 10 }, (_, i) =>
        a.editor.projects.addCell({
          projectId: a.projectId,
          kind: 'markdown',
          afterCellId: null,
          name: i % 2 ? 'orders' : `orders_${i % 3}`,
        }),
      ),
    ];
    await Promise.allSettled(jobs);
    const after = await snapshot(a.projectId);
    expect(new Set(after.map((c) => c.name)).size).toBe(after.length);
    expect(after.map((c) => c.position)).toEqual(Array.from({ length: after.length }, (_, i) => i));
    // The JS cell reads the SQL cell under whatever name it ended with.
    const sqlName = after.find((c) => c.id === a.orders.id)?.name;
    expect(after.find((c) => c.id === a.summary.id)?.source).toBe(`return ${sqlName}.length`);
  });
});

describe('hostile input values, input names and cell names in runs.start', () => {
  const HOSTILE = [
    "'; drop table orders; --",
    "shipped' or '1'='1",
    '$1',
    '$$; drop table orders; $$',
    '{{status}}',
    "x\\'; select pg_sleep(10); --",
    '?',
    `${'A'.repeat(9_990)}'--`,
  ];

  it('binds every hostile value as a parameter: the stored SQL never holds it', async () => {
    const a = await notebook(h.a);
    for (const value of HOSTILE) {
      const run = await a.editor.runs.start({
        projectId: a.projectId,
        cellId: a.orders.id,
        source: 'select * from orders where status = {{status}} or note = {{ status }}',
        inputs: { status: value },
      });
      const [row] = await h.database.db.select().from(runs).where(eq(runs.id, run.id));
      expect(row?.source).toBe('select * from orders where status = $1 or note = $1');
      const plan = row?.plan as { steps: Array<{ sql: string; params: unknown[] }> };
      expect(plan.steps).toHaveLength(1);
      expect(plan.steps[0]?.params).toEqual([value]);
      if (value.length > 2) expect(plan.steps[0]?.sql).not.toContain(value);
      await a.editor.runs.cancel({ runId: run.id });
    }
  });

  it('leaves {{…}} inside literals, quoted identifiers, dollar quotes and comments alone (no parameter)', async () => {
    const a = await notebook(h.a);
    const sources = [
      "select '{{status}}'",
      "select E'\\'{{status}}'",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: PostgreSQL dollar quoting, not a template
      'select $q${{status}}$q$',
      'select $${{status}}$$',
      'select "{{status}}" from orders',
      'select 1 -- {{status}}',
      'select 1 /* /* {{status}} */ {{status}} */',
    ];
    for (const source of sources) {
      const run = await a.editor.runs.start({
        projectId: a.projectId,
        cellId: a.orders.id,
        source,
        inputs: { status: 'X' },
      });
      const [row] = await h.database.db.select().from(runs).where(eq(runs.id, run.id));
      expect(row?.source, source).toBe(source);
      const plan = row?.plan as { steps: Array<{ params: unknown[] }>; inputs: Record<string, unknown> };
      expect(plan.steps[0]?.params, source).toEqual([]);
      await a.editor.runs.cancel({ runId: run.id });
    }
  });

  it('refuses input names that are no input (SQL-looking, prototype-looking, too long), storing nothing', async () => {
    const a = await notebook(h.a);
    const before = await snapshot(a.projectId);
    for (const name of [
      "status'); drop table orders; --",
      'constructor',
      'toString',
      'orders',
      'summary',
      'x'.repeat(63),
    ]) {
      const refused = await refusal(
        a.editor.runs.start({
          projectId: a.projectId,
          cellId: a.orders.id,
          source: 'select {{status}}',
          inputs: { [name]: 'v' },
        }),
      );
      expect(refused.quarry, name).toBe('notebook.invalid_input');
    }
    const tooLong = await refusal(
      a.editor.runs.start({
        projectId: a.projectId,
        cellId: a.orders.id,
        source: 'select 1',
        inputs: { ['y'.repeat(64)]: 'v' },
      }),
    );
    // zod's refusals (the schema's, before any procedure code) are BAD_REQUEST.
    expect(tooLong.code).toBe('BAD_REQUEST');
    const huge = await refusal(
      a.editor.runs.start({
        projectId: a.projectId,
        cellId: a.orders.id,
        source: 'select {{status}}',
        inputs: { status: 'z'.repeat(10_001) },
      }),
    );
    expect(huge.code).toBe('BAD_REQUEST');
    expect(await snapshot(a.projectId)).toEqual(before);
    expect(await runsOfCell(a.orders.id)).toEqual([]);
  });

  it('refuses cell names that are not identifiers, adding and renaming nothing', async () => {
    const a = await notebook(h.a);
    const before = await snapshot(a.projectId);
    for (const name of [
      "x'; drop table cells; --",
      'a b',
      '1abc',
      '{{status}}',
      'a-b',
      'é',
      '',
      'n'.repeat(64),
      'a\u0000b',
    ]) {
      const added = await refusal(
        a.editor.projects.addCell({ projectId: a.projectId, kind: 'markdown', afterCellId: null, name }),
      );
      expect(added.code, name).toBe('BAD_REQUEST');
      const renamed = await refusal(
        a.editor.projects.renameCell({ projectId: a.projectId, cellId: a.orders.id, name }),
      );
      expect(renamed.code, name).toBe('BAD_REQUEST');
    }
    expect(await snapshot(a.projectId)).toEqual(before);
  });
});

describe('plans that would smuggle a connection or a cell', () => {
  it("a JS target reading a SQL cell on B's connection (written past the API) is refused; no run", async () => {
    const a = await notebook(h.a);
    const smuggled = newId('cell');
    await h.database.db.insert(cells).values({
      id: smuggled,
      workspaceId: h.a.workspaceId,
      projectId: a.projectId,
      position: 1,
      name: 'stolen',
      kind: 'sql',
      connectionId: h.b.connectionId,
      source: 'select * from orders',
    });
    await h.database.db.update(cells).set({ position: 5 }).where(eq(cells.id, a.summary.id));
    const refused = await refusal(
      a.editor.runs.start({ projectId: a.projectId, cellId: a.summary.id, source: 'return stolen.length' }),
    );
    expect(refused.quarry).toBe('connections.not_in_project');
    expect(refused.text).not.toContain(h.b.connectionId);
    expect(await runsOfCell(a.summary.id)).toEqual([]);
  });

  it('a JS target reading a SQL cell on a connection of A the project does not import is refused; no run', async () => {
    const a = await notebook(h.a);
    const [base] = await h.database.db.select().from(connections).where(eq(connections.id, h.a.connectionId));
    if (!base) throw new Error('no fixture connection');
    const other = newId('connection');
    await h.database.db
      .insert(connections)
      .values({ ...base, id: other, name: uniqueName('hr'), isDefault: false });
    await h.database.db.insert(cells).values({
      id: newId('cell'),
      workspaceId: h.a.workspaceId,
      projectId: a.projectId,
      position: 1,
      name: 'salaries',
      kind: 'sql',
      connectionId: other,
      source: 'select 1',
    });
    await h.database.db.update(cells).set({ position: 5 }).where(eq(cells.id, a.summary.id));
    const refused = await refusal(
      a.editor.runs.start({ projectId: a.projectId, cellId: a.summary.id, source: 'return salaries' }),
    );
    expect(refused.quarry).toBe('connections.not_in_project');
    expect(await runsOfCell(a.summary.id)).toEqual([]);
  });

  it('a JS target reading an imported connection the Editor may not query is refused; no run', async () => {
    const a = await notebook(h.a);
    const [base] = await h.database.db.select().from(connections).where(eq(connections.id, h.a.connectionId));
    if (!base) throw new Error('no fixture connection');
    const finance = await groupIn(h, h.a, [h.a.users.manager.id]);
    const restricted = newId('connection');
    await h.database.db.insert(connections).values({
      ...base,
      id: restricted,
      name: uniqueName('fin'),
      isDefault: false,
      canQuery: [finance],
      canViewResults: [finance],
    });
    await h.database.db.insert(projectConnections).values({
      projectId: a.projectId,
      connectionId: restricted,
      workspaceId: h.a.workspaceId,
    });
    await h.database.db.insert(cells).values({
      id: newId('cell'),
      workspaceId: h.a.workspaceId,
      projectId: a.projectId,
      position: 1,
      name: 'payroll',
      kind: 'sql',
      connectionId: restricted,
      source: 'select 1',
    });
    await h.database.db.update(cells).set({ position: 5 }).where(eq(cells.id, a.summary.id));
    const refused = await refusal(
      a.editor.runs.start({ projectId: a.projectId, cellId: a.summary.id, source: 'return payroll' }),
    );
    expect(['FORBIDDEN', 'NOT_FOUND']).toContain(refused.code);
    expect(await runsOfCell(a.summary.id)).toEqual([]);
  });

  it('a JS cell naming a cell of another project reads nothing of it; one naming a cell below is refused', async () => {
    const a = await notebook(h.a);
    const other = await notebook(h.a);
    await a.editor.projects.renameCell({
      projectId: other.projectId,
      cellId: other.orders.id,
      name: 'elsewhere',
    });
    const run = await a.editor.runs.start({
      projectId: a.projectId,
      cellId: a.summary.id,
      source: 'return typeof elsewhere',
    });
    const [row] = await h.database.db.select().from(runs).where(eq(runs.id, run.id));
    expect(row?.connectionIds).toEqual([]);
    expect((row?.plan as { steps: Array<{ cellId: string; uses?: string[] }> } | undefined)?.steps).toEqual([
      expect.objectContaining({ cellId: a.summary.id, uses: [] }),
    ]);
    await a.editor.runs.cancel({ runId: run.id });
    const below = await a.editor.projects.addCell({
      projectId: a.projectId,
      kind: 'sql',
      afterCellId: a.summary.id,
      name: 'later',
      source: 'select 1',
    });
    const refused = await refusal(
      a.editor.runs.start({ projectId: a.projectId, cellId: a.summary.id, source: 'return later.length' }),
    );
    expect(refused.quarry).toBe('notebook.forward_reference');
    expect(await runsOfCell(below.id)).toEqual([]);
  });
});
