import { type Cell, parseRowBatch, type RunEvent } from '@quarry/contracts';
import type { TestWarehouse, WorkspaceFixture } from '@quarry/db/testing';
import { createQuarryClient, type QuarryClient } from '@quarry/sdk';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from './server';
import { type ApiWithRunner, startApiWithRunner } from './testing/start-api-with-runner';

/**
 * Issue 11 items 1 and 2, end to end: a JS cell over a SQL cell that reads an input runs through
 * the API, the queue and the runner (its upstream SQL on the warehouse, its code in a kernel), and
 * its result reaches the reader — a table with the warehouse's exact figures, or a value — with
 * the steps it ran recorded on the run.
 */
const PASSWORD = 'notebook js password 1';
const SQL = 'select id, status, total from orders where status = {{status}} order by id';

let stack: ApiWithRunner;
let fixture: WorkspaceFixture;
let api: RunningApi;
let warehouse: TestWarehouse;
let admin: postgres.Sql;
let client: QuarryClient;
let summaryCellId: string;
let tableCellId: string;

beforeAll(async () => {
  stack = await startApiWithRunner({ orders: 300, password: PASSWORD });
  ({ fixture, api, warehouse } = stack);
  admin = postgres(warehouse.adminUrl, { max: 1, onnotice: () => {} });
  client = createQuarryClient({
    url: api.url,
    token: await stack.tokenFor(fixture.users.editor.email, 'js'),
  });
  const input = await client.api.projects.addCell.mutate({
    projectId: fixture.projectId,
    kind: 'input',
    afterCellId: null,
    name: 'status',
    input: { type: 'text', default: 'delivered' },
  });
  await client.api.projects.updateCell.mutate({
    projectId: fixture.projectId,
    cellId: fixture.cellId,
    source: SQL,
  });
  const project = await client.api.projects.get.query({ projectId: fixture.projectId });
  if (project.logicHidden) throw new Error('the editor should see the logic');
  const sqlCell = project.cells.find((cell) => cell.id === fixture.cellId);
  if (!sqlCell) throw new Error('no SQL cell');
  const summary = await client.api.projects.addCell.mutate({
    projectId: fixture.projectId,
    kind: 'js',
    afterCellId: sqlCell.id,
    name: 'summary',
    source: `return { status, orders: ${sqlCell.name}.length, total: ${sqlCell.name}.reduce((sum, o) => sum + Math.round(o.total * 100), 0) };`,
  });
  const table = await client.api.projects.addCell.mutate({
    projectId: fixture.projectId,
    kind: 'js',
    afterCellId: summary.id,
    name: 'big_orders',
    source: `return ${sqlCell.name}.filter((o) => o.total >= 100).map((o) => ({ id: o.id, total: o.total, label: status + ':' + o.id }));`,
  });
  expect(input.kind).toBe('input');
  summaryCellId = summary.id;
  tableCellId = table.id;
});

afterAll(async () => {
  await admin?.end({ timeout: 1 });
  await stack?.stop();
});

async function run(cellId: string, status: string) {
  const project = await client.api.projects.get.query({ projectId: fixture.projectId });
  if (project.logicHidden) throw new Error('the editor should see the logic');
  const cell = project.cells.find((c) => c.id === cellId);
  if (!cell || cell.kind !== 'js') throw new Error('no JS cell');
  const started = await client.api.runs.start.mutate({
    projectId: fixture.projectId,
    cellId,
    source: cell.source,
    inputs: { status },
  });
  const rows: Cell[][] = [];
  let columns: string[] = [];
  let value: unknown;
  let end: RunEvent | null = null;
  for await (const event of await client.api.runs.events.query({ runId: started.id })) {
    if (event.type === 'columns') columns = event.columns.map((c) => c.name);
    if (event.type === 'rows') rows.push(...parseRowBatch(event.batch));
    if (event.type === 'value') value = JSON.parse(event.json);
    if (event.type === 'done' || event.type === 'error') {
      end = event;
      break;
    }
  }
  return { runId: started.id, rows, columns, value, end };
}

const figures = async (status: string) =>
  (
    await admin<{ orders: number; cents: string }[]>`
      select count(*)::int as orders, coalesce(sum(round(total * 100)), 0)::text as cents
      from orders where status = ${status}`
  )[0];

describe('a JS cell over a SQL cell and an input, end to end', () => {
  it.each([['delivered'], ['returned']])('returns the value computed from the %s orders', async (status) => {
    const expected = await figures(status);
    const { value, end, runId } = await run(summaryCellId, status);
    expect(end, JSON.stringify(end)).toMatchObject({ type: 'done' });
    expect(value).toEqual({ status, orders: expected?.orders, total: Number(expected?.cents) });
    const summary = await client.api.runs.get.query({ runId });
    expect(summary.steps.map((step) => [step.kind, step.rowCount])).toEqual([
      ['sql', expected?.orders],
      ['js', null],
    ]);
  });

  it('returns a table the reader receives row by row, typed from the JS values', async () => {
    const expected = await admin<{ id: string; total: string }[]>`
      select id::text as id, total::text as total from orders
      where status = 'shipped' and total >= 100 order by orders.id`;
    const { rows, columns, end } = await run(tableCellId, 'shipped');
    expect(end, JSON.stringify(end)).toMatchObject({ type: 'done', rowCount: expected.length });
    expect(columns).toEqual(['id', 'total', 'label']);
    expect(rows.map((row) => [String(row[0]), Number(row[1]).toFixed(2), row[2]])).toEqual(
      expected.map((o) => [o.id, o.total, `shipped:${o.id}`]),
    );
  });
});
