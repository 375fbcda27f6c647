import { randomUUID } from 'node:crypto';
import { RunPlan } from '@quarry/contracts';
import { cells, connections, projectConnections, runs } from '@quarry/db/schema';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupIn, projectIn, refusal } from '../testing/fixtures';
import { type ApiHarness, createApiHarness } from '../testing/harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness({ orders: 10 });
});
afterAll(() => h?.close());

const ORDERS_SQL = 'select id, status from orders where status = {{status}} order by id';

/**
 * A fresh notebook of workspace A, editable by its Editor, importing A's warehouse connection:
 * `status` (a text input), `orders` (SQL reading it), `summary` (JS reading `orders`), `pure`
 * (JS reading nothing) and a Markdown cell.
 */
async function notebook() {
  const projectId = await projectIn(h, h.a, [{ userId: h.a.users.editor.id, permission: 'can_edit' }]);
  await h.database.db
    .insert(projectConnections)
    .values({ projectId, connectionId: h.a.connectionId, workspaceId: h.a.workspaceId });
  const editor = await h.as(h.a, 'editor');
  const add = (over: Parameters<typeof editor.projects.addCell>[0]) => editor.projects.addCell(over);
  const status = await add({
    projectId,
    kind: 'input',
    afterCellId: null,
    name: 'status',
    input: { type: 'text', default: 'shipped' },
  });
  const orders = await add({
    projectId,
    kind: 'sql',
    afterCellId: status.id,
    name: 'orders',
    source: ORDERS_SQL,
  });
  const summary = await add({
    projectId,
    kind: 'js',
    afterCellId: orders.id,
    name: 'summary',
    source: 'return { n: orders.length, status }',
  });
  const pure = await add({
    projectId,
    kind: 'js',
    afterCellId: summary.id,
    name: 'pure',
    source: 'return 6 * 7',
  });
  const text = await add({ projectId, kind: 'markdown', afterCellId: pure.id, source: '# Notes' });
  return { projectId, editor, status, orders, summary, pure, text };
}

async function runOf(id: string) {
  const [row] = await h.database.db.select().from(runs).where(eq(runs.id, id));
  if (!row) throw new Error(`no run ${id}`);
  return row;
}

/** What a refused start must leave as it was: the runs and every cell's source. */
async function snapshot(projectId: string) {
  const runRows = await h.database.db.select({ id: runs.id }).from(runs).where(eq(runs.projectId, projectId));
  const cellRows = await h.database.db
    .select({ id: cells.id, source: cells.source, connectionId: cells.connectionId })
    .from(cells)
    .where(eq(cells.projectId, projectId))
    .orderBy(asc(cells.position));
  return { runs: runRows, cells: cellRows };
}

describe('runs.start on a notebook (issue 11 item 1)', () => {
  it('runs a SQL cell with its input bound as a parameter, keeping connection_id and the compiled SQL for the runner', async () => {
    const { projectId, editor, orders } = await notebook();
    const started = await editor.runs.start({
      projectId,
      cellId: orders.id,
      source: ORDERS_SQL,
      inputs: { status: 'pending' },
    });
    const run = await runOf(started.id);
    expect(run.connectionId).toBe(h.a.connectionId);
    expect(run.connectionIds).toEqual([h.a.connectionId]);
    expect(run.source).toBe('select id, status from orders where status = $1 order by id');
    expect(run.inputs).toEqual({ status: 'pending' });
    expect(RunPlan.parse(run.plan)).toEqual({
      steps: [
        {
          kind: 'sql',
          cellId: orders.id,
          name: 'orders',
          connectionId: h.a.connectionId,
          sql: 'select id, status from orders where status = $1 order by id',
          params: ['pending'],
        },
      ],
      inputs: { status: 'pending' },
    });
    // The cell keeps its {{status}}: what the person wrote, not what was bound.
    const [cell] = await h.database.db
      .select({ source: cells.source })
      .from(cells)
      .where(eq(cells.id, orders.id));
    expect(cell?.source).toBe(ORDERS_SQL);
  });

  it("applies an input's default when the run leaves it out", async () => {
    const { projectId, editor, orders } = await notebook();
    const started = await editor.runs.start({ projectId, cellId: orders.id, source: ORDERS_SQL });
    const run = await runOf(started.id);
    expect(run.inputs).toEqual({ status: 'shipped' });
    expect((RunPlan.parse(run.plan).steps[0] as { params: unknown }).params).toEqual(['shipped']);
  });

  it('runs a JS cell after the SQL cell it reads, recording every connection the result derives from', async () => {
    const { projectId, editor, orders, summary } = await notebook();
    const source = 'return { n: orders.length, status, first: orders[0]?.id }';
    const started = await editor.runs.start({
      projectId,
      cellId: summary.id,
      source,
      inputs: { status: 'pending' },
    });
    const run = await runOf(started.id);
    expect(run.connectionId).toBeNull();
    expect(run.connectionIds).toEqual([h.a.connectionId]);
    expect(run.source).toBe(source);
    const plan = RunPlan.parse(run.plan);
    expect(plan.steps.map((s) => [s.kind, s.cellId])).toEqual([
      ['sql', orders.id],
      ['js', summary.id],
    ]);
    expect(plan.steps[1]).toMatchObject({ kind: 'js', source, uses: ['orders', 'status'] });
    expect(plan.inputs).toEqual({ status: 'pending' });
    // Its job counts against the cap of the connection its SQL step reads, grouped under it.
    const [job] = await h.database.sql<{ data: Record<string, unknown> }[]>`
      select data from pgboss.job where name = 'run.execute' and data->>'runId' = ${started.id}`;
    expect(job?.data).toMatchObject({ connectionId: h.a.connectionId, connectionIds: [h.a.connectionId] });
    const [cell] = await h.database.db
      .select({ source: cells.source })
      .from(cells)
      .where(eq(cells.id, summary.id));
    expect(cell?.source).toBe(source);
  });

  it('runs a JS cell that reads no SQL cell on no connection', async () => {
    const { projectId, editor, pure } = await notebook();
    const started = await editor.runs.start({ projectId, cellId: pure.id, source: 'return 6 * 7' });
    const run = await runOf(started.id);
    expect(run.connectionId).toBeNull();
    expect(run.connectionIds).toEqual([]);
    const [job] = await h.database.sql<{ data: Record<string, unknown> }[]>`
      select data from pgboss.job where name = 'run.execute' and data->>'runId' = ${started.id}`;
    expect(job?.data).not.toHaveProperty('connectionId');
    expect(job?.data).not.toHaveProperty('connectionIds');
    expect(RunPlan.parse(run.plan).steps).toEqual([
      { kind: 'js', cellId: pure.id, name: 'pure', source: 'return 6 * 7', uses: [] },
    ]);
  });

  it.each([
    ["'; drop table orders; --"],
    ["pending' or '1'='1"],
    ['$1); delete from orders; --'],
    ['{{status}}'],
  ])('keeps the input value %j a bound parameter: never in the SQL the run stores', async (value) => {
    const { projectId, editor, orders } = await notebook();
    const started = await editor.runs.start({
      projectId,
      cellId: orders.id,
      source: ORDERS_SQL,
      inputs: { status: value },
    });
    const run = await runOf(started.id);
    expect(run.source).toBe('select id, status from orders where status = $1 order by id');
    const [step] = RunPlan.parse(run.plan).steps;
    expect(step).toMatchObject({ sql: run.source, params: [value] });
    // In the plan only as the bound value and the input it came from.
    expect(JSON.stringify(run.plan).split(JSON.stringify(value)).length).toBe(3);
  });

  it.each([["status'; drop table orders; --"], ['constructor'], ['orders']])(
    'refuses a value for %j, which names no input, storing nothing',
    async (name) => {
      const { projectId, editor, orders } = await notebook();
      const before = await snapshot(projectId);
      const refused = await refusal(
        editor.runs.start({
          projectId,
          cellId: orders.id,
          source: 'select 1',
          inputs: Object.fromEntries([[name, 'x']]),
        }),
      );
      expect(refused).toMatchObject({
        code: 'BAD_REQUEST',
        quarry: 'notebook.invalid_input',
        details: { input: name },
      });
      expect(await snapshot(projectId)).toEqual(before);
    },
  );

  it('drops a __proto__ key (the input parser never makes it a property) and runs with the defaults', async () => {
    const { projectId, editor, orders } = await notebook();
    const inputs = JSON.parse('{"__proto__": "pending\' or \'1\'=\'1"}');
    const started = await editor.runs.start({ projectId, cellId: orders.id, source: ORDERS_SQL, inputs });
    const run = await runOf(started.id);
    expect(run.inputs).toEqual({ status: 'shipped' });
    expect(JSON.stringify(run.plan)).not.toContain('1=');
  });

  it('refuses a value that does not fit its input, naming the input and storing nothing', async () => {
    const { projectId, editor, orders, status } = await notebook();
    await editor.projects.updateCell({
      projectId,
      cellId: status.id,
      input: {
        type: 'select',
        options: { from: 'list', values: ['pending', 'shipped'] },
        default: 'pending',
      },
    });
    const before = await snapshot(projectId);
    for (const value of ['returned', "pending' or '1'='1", { start: '2024-01-01', end: '2024-01-02' }]) {
      const refused = await refusal(
        editor.runs.start({
          projectId,
          cellId: orders.id,
          source: 'select {{status}}',
          inputs: { status: value },
        }),
      );
      expect(refused).toMatchObject({ quarry: 'notebook.invalid_input', details: { input: 'status' } });
    }
    expect(await snapshot(projectId)).toEqual(before);
  });

  it('refuses to run an input or a Markdown cell (notebook.not_runnable), storing nothing', async () => {
    const { projectId, editor, status, text } = await notebook();
    const before = await snapshot(projectId);
    for (const cell of [status, text]) {
      const refused = await refusal(editor.runs.start({ projectId, cellId: cell.id, source: 'select 1' }));
      expect(refused).toMatchObject({ code: 'BAD_REQUEST', quarry: 'notebook.not_runnable' });
    }
    expect(await snapshot(projectId)).toEqual(before);
  });

  it.each<[string, string, string]>([
    ['an unknown reference', 'select {{nope}}', 'notebook.unknown_reference'],
    ["another cell's result, read from SQL", 'select * from {{summary}}', 'notebook.unknown_reference'],
  ])('refuses a SQL cell with %s, saving nothing', async (_, source, code) => {
    const { projectId, editor, orders } = await notebook();
    const before = await snapshot(projectId);
    expect(await refusal(editor.runs.start({ projectId, cellId: orders.id, source }))).toMatchObject({
      quarry: code,
    });
    expect(await snapshot(projectId)).toEqual(before);
  });

  it('refuses a JS cell that does not parse, with its line and column, saving nothing', async () => {
    const { projectId, editor, summary } = await notebook();
    const before = await snapshot(projectId);
    expect(
      await refusal(editor.runs.start({ projectId, cellId: summary.id, source: 'const a = 1\nreturn (' })),
    ).toMatchObject({ quarry: 'notebook.js_syntax', details: { line: 2, column: 9 } });
    expect(await snapshot(projectId)).toEqual(before);
  });

  it('refuses a JS cell whose upstream SQL cell is on a connection the project does not import, storing nothing', async () => {
    const { projectId, editor, orders, summary } = await notebook();
    // Written straight to the database, as a race with removeFromProject could leave it.
    const other = await (await h.as(h.a, 'admin')).connections.create({
      name: `elsewhere ${randomUUID().slice(0, 8)}`,
      kind: 'postgres',
      settings: {
        host: 'db.example.com',
        port: 5432,
        database: 'analytics',
        username: 'reader',
        sslMode: 'require',
      },
      secrets: { password: randomUUID() },
    });
    await h.database.db.update(cells).set({ connectionId: other.id }).where(eq(cells.id, orders.id));
    const before = await snapshot(projectId);
    expect(
      await refusal(editor.runs.start({ projectId, cellId: summary.id, source: 'return orders.length' })),
    ).toMatchObject({ quarry: 'connections.not_in_project', details: { cell: 'orders' } });
    expect(await snapshot(projectId)).toEqual(before);
  });

  it('refuses a run whose SQL step is on a connection the caller may not query, storing nothing', async () => {
    const { projectId, editor, summary } = await notebook();
    // Can query on A's connection only for a group without the Editor: the engine downgrades the
    // Editor's Can edit, and the start refuses before anything is written.
    const group = await groupIn(h, h.a, [h.a.users.admin.id]);
    const [conn] = await h.database.db
      .select({ canQuery: connections.canQuery })
      .from(connections)
      .where(eq(connections.id, h.a.connectionId));
    await h.database.db
      .update(connections)
      .set({ canQuery: [group] })
      .where(eq(connections.id, h.a.connectionId));
    try {
      const before = await snapshot(projectId);
      const refused = await refusal(
        editor.runs.start({ projectId, cellId: summary.id, source: 'return orders.length' }),
      );
      expect(refused.code).toBe('FORBIDDEN');
      expect(refused.quarry).toMatch(/^access\./);
      expect(await snapshot(projectId)).toEqual(before);
    } finally {
      await h.database.db
        .update(connections)
        .set({ canQuery: conn?.canQuery ?? null })
        .where(eq(connections.id, h.a.connectionId));
    }
  });

  it("answers NOT_FOUND for another workspace's cell, storing nothing", async () => {
    const { projectId, orders } = await notebook();
    const before = await snapshot(projectId);
    const bAdmin = await h.as(h.b, 'admin');
    for (const attempt of [
      { projectId: h.b.projectId, cellId: orders.id },
      { projectId, cellId: orders.id },
    ]) {
      expect((await refusal(bAdmin.runs.start({ ...attempt, source: 'select 1' }))).code).toBe('NOT_FOUND');
    }
    expect(await snapshot(projectId)).toEqual(before);
  });
});
