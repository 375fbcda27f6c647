import { type Cell, parseRowBatch, type RunEvent } from '@quarry/contracts';
import type { TestWarehouse, WorkspaceFixture } from '@quarry/db/testing';
import { createQuarryClient, type QuarryClient } from '@quarry/sdk';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from './server';
import { type ApiWithRunner, startApiWithRunner } from './testing/start-api-with-runner';

/**
 * Issue 11 item 1, end to end: a SQL cell reading an input `{{status}}` returns, through the API,
 * the queue and the runner, exactly the rows of that status, for two different values; the value
 * reaches the warehouse as a bound parameter (CONN-4), so SQL in it is only text to compare.
 */
const PASSWORD = 'notebook params password 1';
const SQL = 'select id, status from orders where status = {{status}} order by id';

let stack: ApiWithRunner;
let fixture: WorkspaceFixture;
let api: RunningApi;
let warehouse: TestWarehouse;
let admin: postgres.Sql;
let client: QuarryClient;

beforeAll(async () => {
  stack = await startApiWithRunner({ orders: 300, password: PASSWORD });
  ({ fixture, api, warehouse } = stack);
  admin = postgres(warehouse.adminUrl, { max: 1, onnotice: () => {} });
  client = createQuarryClient({
    url: api.url,
    token: await stack.tokenFor(fixture.users.editor.email, 'params'),
  });
  // A text input above the fixture's SQL cell, so the cell may read it.
  await client.api.projects.addCell.mutate({
    projectId: fixture.projectId,
    kind: 'input',
    afterCellId: null,
    name: 'status',
    input: { type: 'text', default: 'delivered' },
  });
});

afterAll(async () => {
  await admin?.end({ timeout: 1 });
  await stack?.stop();
});

/** Runs the cell with `status` set to `value` and reads every event until the run ends. */
async function runWith(value: string | null) {
  const run = await client.api.runs.start.mutate({
    projectId: fixture.projectId,
    cellId: fixture.cellId,
    source: SQL,
    inputs: { status: value },
  });
  const rows: Cell[][] = [];
  let end: RunEvent | null = null;
  for await (const event of await client.api.runs.events.query({ runId: run.id })) {
    if (event.type === 'rows') rows.push(...parseRowBatch(event.batch));
    if (event.type === 'done' || event.type === 'error') {
      end = event;
      break;
    }
  }
  return { rows, end };
}

/** What the warehouse itself answers for the status, read as its superuser with a bound value. */
const expectedRows = async (status: string) =>
  (
    await admin<{ id: string; status: string }[]>`
      select id::text as id, status from orders where status = ${status} order by orders.id`
  ).map((r) => [r.id, r.status]);

describe('a SQL cell reading an input, end to end', () => {
  it.each([['delivered'], ['returned']])('returns exactly the orders whose status is %s', async (status) => {
    const expected = await expectedRows(status);
    expect(expected.length).toBeGreaterThan(0);
    const { rows, end } = await runWith(status);
    expect(end, JSON.stringify(end)).toMatchObject({ type: 'done', rowCount: expected.length });
    expect(rows.map((row) => [String(row[0]), row[1]])).toEqual(expected);
  });

  it("uses the input's default when the value is not set", async () => {
    const { rows } = await runWith(null);
    expect(rows.map((row) => [String(row[0]), row[1]])).toEqual(await expectedRows('delivered'));
  });

  it.each([["delivered' or '1'='1"], ["'; drop table orders; --"]])(
    'compares %j as text: no rows, and the orders table is untouched',
    async (value) => {
      const before = await admin<{ n: number }[]>`select count(*)::int as n from orders`;
      const { rows, end } = await runWith(value);
      expect(end).toMatchObject({ type: 'done', rowCount: 0 });
      expect(rows).toEqual([]);
      expect(await admin<{ n: number }[]>`select count(*)::int as n from orders`).toEqual(before);
    },
  );
});
