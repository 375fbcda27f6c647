import type { TestWarehouse, WorkspaceFixture } from '@quarry/db/testing';
import { runTag } from '@quarry/query-runner';
import { createQuarryClient, QuarryClientError } from '@quarry/sdk';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from './server';
import { type ApiWithRunner, startApiWithRunner } from './testing/start-api-with-runner';
import { until } from './testing/until';

/**
 * Issue 11, item 4: a cancel reaches the database server. The API and a runner in this process, the
 * SDK as the client, and the warehouse's own pg_stat_activity (read as its superuser) as the witness.
 */
const PASSWORD = 'run cancel password 1';
let stack: ApiWithRunner;
let fixture: WorkspaceFixture;
let api: RunningApi;
let warehouse: TestWarehouse;
let admin: postgres.Sql;

beforeAll(async () => {
  stack = await startApiWithRunner({ orders: 10, password: PASSWORD });
  ({ fixture, api, warehouse } = stack);
  admin = postgres(warehouse.adminUrl, { max: 1, onnotice: () => {} });
});

afterAll(async () => {
  await admin?.end({ timeout: 1 });
  await stack?.stop();
});

const clientFor = async (email: string) =>
  createQuarryClient({ url: api.url, token: await stack.tokenFor(email, 'cancel') });

/** The warehouse sessions still working for a run: its query, if the server still runs it. */
const activeQueriesOf = async (runId: string) =>
  admin<{ pid: number; state: string }[]>`
    select pid, state from pg_stat_activity where application_name = ${runTag(runId)} and state <> 'idle'`;

/** Waits until the run's query is running on the server (`true`) or gone from it (`false`). */
const serverRuns = (runId: string, running: boolean) =>
  until(
    // Far under the minute each query sleeps, with room for a loaded machine.
    async () => (await activeQueriesOf(runId)).length > 0 === running || undefined,
    30_000,
    running ? 'the query never started on the server' : 'the query still runs on the server',
  );

async function readAll(rows: AsyncIterable<unknown>) {
  let count = 0;
  try {
    for await (const _ of rows) count += 1;
    return { count, code: null };
  } catch (error) {
    if (error instanceof QuarryClientError) return { count, code: error.code };
    throw error;
  }
}

describe('cancelling a run reaches the database server', () => {
  it('stops a running pg_sleep on the server within seconds, and the stream ends with run.cancelled', async () => {
    const client = await clientFor(fixture.users.editor.email);
    const result = await client.query({
      projectId: fixture.projectId,
      cellId: fixture.cellId,
      sql: 'select pg_sleep(60) as slept',
    });
    await serverRuns(result.run.id, true);
    const cancelledAt = performance.now();
    await expect(result.cancel()).resolves.toMatchObject({ status: 'cancelled' });
    await serverRuns(result.run.id, false);
    const gone = performance.now() - cancelledAt;
    console.info(`cancel → query gone from pg_stat_activity in ${Math.round(gone)} ms`);
    expect(gone).toBeLessThan(30_000);
    expect(await readAll(result.rows)).toEqual({ count: 0, code: 'run.cancelled' });
    const summary = await client.api.runs.get.query({ runId: result.run.id });
    expect(summary).toMatchObject({ status: 'cancelled', error: { code: 'run.cancelled' } });
  });

  it("running the cell again cancels the earlier query on the server, and the new run's rows arrive", async () => {
    const client = await clientFor(fixture.users.editor.email);
    const first = await client.query({
      projectId: fixture.projectId,
      cellId: fixture.cellId,
      sql: 'select pg_sleep(60) as slept',
    });
    await serverRuns(first.run.id, true);
    const second = await client.query({
      projectId: fixture.projectId,
      cellId: fixture.cellId,
      sql: 'select id from orders',
    });
    expect(await readAll(second.rows)).toEqual({ count: 10, code: null });
    await serverRuns(first.run.id, false);
    expect(await readAll(first.rows)).toMatchObject({ count: 0, code: 'run.cancelled' });
  });

  it("leaves a colleague's query running when someone else tries to cancel it", async () => {
    const owner = await clientFor(fixture.users.editor.email);
    const colleague = await clientFor(fixture.users.admin.email);
    const result = await owner.query({
      projectId: fixture.projectId,
      cellId: fixture.cellId,
      sql: 'select pg_sleep(60) as slept',
    });
    await serverRuns(result.run.id, true);
    await expect(colleague.api.runs.cancel.mutate({ runId: result.run.id })).rejects.toMatchObject({
      data: { quarry: { code: 'not_found.run' } },
    });
    expect(await activeQueriesOf(result.run.id)).toHaveLength(1);
    await result.cancel();
    await serverRuns(result.run.id, false);
  });
});
