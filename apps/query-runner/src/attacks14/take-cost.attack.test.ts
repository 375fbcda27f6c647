import { createDb, type DbClient, newId } from '@quarry/db';
import { runs } from '@quarry/db/schema';
import type { TestDatabase, WorkspaceFixture } from '@quarry/db/testing';
import { type Queue, startQueue } from '@quarry/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeRun } from '../execute-run';
import { type RunnerFixture, startRunnerFixture } from '../testing/runner-fixture';

// The take's cost with JS runs' jobs listing many connections: 26fb928 counts, for each
// connection the run reads, the active jobs ahead that list it (jsonb containment on each job's
// connectionIds). Under the runner's generic plans, as take-plan.test.ts measures the take.

let started: RunnerFixture;
let database: TestDatabase;
let fixture: WorkspaceFixture;
let generic: DbClient;
let queue: Queue;

beforeAll(async () => {
  started = await startRunnerFixture({ orders: 1 });
  ({ database, fixture } = started);
  queue = await startQueue(database.url, { supervise: false });
  generic = createDb(database.url, { max: 1, genericPlans: true });
}, 120_000);

afterAll(async () => {
  await generic?.close();
  await queue?.stop({ graceful: false, timeoutMs: 1000 });
  await started?.drop();
});

const literal = (value: unknown): string =>
  value === null || value === undefined
    ? 'null'
    : typeof value === 'number'
      ? String(value)
      : `'${String(value instanceof Date ? value.toISOString() : value).replaceAll("'", "''")}'`;

type PlanNode = { 'Actual Rows': number; 'Shared Hit Blocks': number };

/** A queued JS run reading `ids`, and `active` active JS jobs ahead of its own, each listing `ids`. */
async function scene(ids: string[], active: number, connectionLimit: number) {
  const runId = newId('run');
  await database.db.insert(runs).values({
    id: runId,
    workspaceId: fixture.workspaceId,
    projectId: fixture.projectId,
    cellId: fixture.cellId,
    ownerId: fixture.users.editor.id,
    connectionId: null,
    connectionIds: ids,
    source: 'return 1',
    rowLimit: 10,
  });
  // Retained history, as a busy queue holds it.
  await database.sql`
    insert into pgboss.job (name, data, state, started_on, completed_on)
    select 'run.execute', jsonb_build_object('runId', 'run_' || i, 'workspaceId', ${fixture.workspaceId}::text,
        'ownerId', 'usr_' || i, 'connectionId', ${ids[0] ?? null}::text, 'connectionIds', ${JSON.stringify(ids)}::jsonb),
      'completed', now() - interval '2 minute', now()
    from generate_series(1, 2000) as i`;
  const rows = await database.sql<{ id: string }[]>`
    insert into pgboss.job (name, data, state, started_on)
    select 'run.execute', jsonb_build_object('runId', 'run_' || i, 'workspaceId', ${fixture.workspaceId}::text,
        'ownerId', 'usr_' || i, 'connectionId', ${ids[0] ?? null}::text, 'connectionIds', ${JSON.stringify(ids)}::jsonb),
      'active', now() - interval '1 minute' + i * interval '1 ms'
    from generate_series(1, ${active}) as i
    returning id`;
  const [mine] = await database.sql<{ id: string }[]>`
    insert into pgboss.job (name, data, state, started_on)
    values ('run.execute', ${JSON.stringify({ runId, workspaceId: fixture.workspaceId, ownerId: fixture.users.editor.id, connectionId: ids[0], connectionIds: ids })}::jsonb,
      'active', now())
    returning id`;
  const job = { runId, workspaceId: fixture.workspaceId };
  const admission = { jobId: mine?.id ?? '', ownerLimit: 25, connectionLimit };
  const cleanup = async () => {
    await database.sql`delete from pgboss.job where id = any(${[...rows.map((r) => r.id), mine?.id ?? '']}::uuid[])`;
  };
  return { job, admission, cleanup };
}

async function explainTake(ids: string[], active: number, connectionLimit: number) {
  const { job, admission, cleanup } = await scene(ids, active, connectionLimit);
  const statement = takeRun(generic.db, job, admission, new Date()).toSQL();
  const reserved = await generic.sql.reserve();
  try {
    await reserved.unsafe(`prepare take as ${statement.sql}`);
    await reserved.unsafe('begin');
    const t0 = performance.now();
    const [explained] = await reserved.unsafe<
      { 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }[]
    >(`explain (analyze, buffers, format json) execute take(${statement.params.map(literal).join(', ')})`);
    const wall = performance.now() - t0;
    await reserved.unsafe('rollback');
    const out = explained?.['QUERY PLAN'][0];
    if (!out) throw new Error('no plan');
    return {
      rows: out.Plan['Actual Rows'],
      blocks: out.Plan['Shared Hit Blocks'],
      ms: out['Execution Time'],
      wall,
    };
  } finally {
    await reserved.unsafe('deallocate take').catch(() => undefined);
    reserved.release();
    await cleanup();
  }
}

const connectionIdsOf = (n: number) => Array.from({ length: n }, () => newId('connection'));

describe("the take's cost with JS jobs listing many connections", () => {
  it('a run reading 20 connections, 64 JS jobs ahead listing the same 20: refused at cap 10, cheap', async () => {
    const cost = await explainTake(connectionIdsOf(20), 64, 10);
    expect(cost.rows).toBe(0);
    expect(cost.blocks).toBeLessThan(200);
    expect(cost.ms).toBeLessThan(100);
  });

  it('a run reading 20 connections, 9 jobs ahead listing them: admitted at cap 10', async () => {
    const cost = await explainTake(connectionIdsOf(20), 9, 10);
    expect(cost.rows).toBe(1);
    expect(cost.blocks).toBeLessThan(200);
  });
});
