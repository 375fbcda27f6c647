import { createDb, type DbClient, newId } from '@quarry/db';
import type { TestDatabase, WorkspaceFixture } from '@quarry/db/testing';
import { type Queue, startQueue } from '@quarry/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeRun } from '../execute-run';
import { insertRun } from '../testing/insert-run';
import { type RunnerFixture, startRunnerFixture } from '../testing/runner-fixture';

// The take's cost with JS runs listing many connections, under the runner's generic plans, as
// take-plan.test.ts measures the take. The admission now counts the runs taken (running) by their
// own rows; these scenes keep their shape with running runs where they had active jobs.
//
// Found as a flaw (cost) in 26fb928 and fixed with this suite: 26fb928's admission evaluated, for
// EACH connection the taking run reads, a count over the active jobs ahead that read each one's
// `data` jsonb. A JS run reading ~70+ connections has a job whose data passes PostgreSQL's TOAST
// threshold (~2 kB), and every (connection x job ahead) pair detoasted it again: ~300,000 buffers
// and ~200 ms per take at 499 connections (the most a notebook of 500 cells allows) and 64 jobs
// ahead. Every slot of every runner pays a take's cost at each take, and again after each "must
// wait" (a re-send every second).

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

/**
 * A queued JS run reading `ids`, and `taken` JS runs of other owners already running, each
 * reading `ids`, among a retained history of runs that ended.
 */
async function scene(ids: string[], taken: number, connectionLimit: number) {
  const runId = await insertRun(database.db, fixture, {
    connectionId: null,
    connectionIds: ids,
    source: 'return 1',
  });
  const held = async (count: number, status: 'succeeded' | 'running') =>
    database.sql<{ id: string }[]>`
      insert into runs (id, workspace_id, project_id, cell_id, owner_id, connection_id, connection_ids,
        source, row_limit, status, started_at, finished_at)
      select 'run_' || md5(random()::text || i), ${fixture.workspaceId}, ${fixture.projectId}, ${fixture.cellId},
        ${fixture.users.viewer.id}, null, ${ids}::text[], 'return 1', 10, ${status},
        now() - interval '1 minute', case when ${status}::text = 'succeeded' then now() end
      from generate_series(1, ${count}) as i
      returning id`;
  // Retained history, as a busy workspace holds it, then the runs taken.
  const ended = await held(2000, 'succeeded');
  const running = await held(taken, 'running');
  const job = { runId, workspaceId: fixture.workspaceId };
  const admission = { ownerLimit: 25, connectionLimit };
  const cleanup = async () => {
    await database.sql`delete from runs where id = any(${[...ended, ...running].map((r) => r.id)}::text[])`;
  };
  return { job, admission, cleanup };
}

async function explainTake(ids: string[], active: number, connectionLimit: number) {
  const { job, admission, cleanup } = await scene(ids, active, connectionLimit);
  const statement = takeRun(generic.db, job, admission).toSQL();
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

/**
 * What one take may read: 26fb928's read 39,000 and 298,000 buffers here, the jobs' data once per
 * connection and job; the fixed statements read about a thousand (the jobs' data once each, then
 * the runs taken once each).
 */
const BUFFERS_BOUND = 5_000;

const connectionIdsOf = (n: number) => Array.from({ length: n }, () => newId('connection'));

describe("the take's cost with JS runs listing many connections", () => {
  it('a run reading 20 connections, 64 JS runs taken listing the same 20: refused at cap 10, cheap', async () => {
    const cost = await explainTake(connectionIdsOf(20), 64, 10);
    expect(cost.rows).toBe(0);
    expect(cost.blocks).toBeLessThan(200);
    expect(cost.ms).toBeLessThan(100);
  });

  it('a run reading 20 connections, 9 runs taken listing them: admitted at cap 10', async () => {
    const cost = await explainTake(connectionIdsOf(20), 9, 10);
    expect(cost.rows).toBe(1);
    expect(cost.blocks).toBeLessThan(200);
  });

  it('a JS run reading 100 connections, 64 JS runs taken listing the same 100: bounded buffers', async () => {
    const cost = await explainTake(connectionIdsOf(100), 64, 1000);
    expect(cost.rows).toBe(1);
    expect(cost.blocks).toBeLessThan(BUFFERS_BOUND);
  });

  it('the worst a notebook allows (a JS cell reading ~500 SQL cells on distinct connections), 64 runs taken listing them all, cap 1000', async () => {
    const cost = await explainTake(connectionIdsOf(499), 64, 1000);
    expect(cost.rows).toBe(1);
    expect(cost.blocks).toBeLessThan(BUFFERS_BOUND);
    // One take, on the runner's database, per slot per fetch (and again after each "must wait").
    expect(cost.ms).toBeLessThan(250);
  });
});
