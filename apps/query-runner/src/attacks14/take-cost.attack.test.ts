import { createDb, type DbClient, newId } from '@quarry/db';
import type { TestDatabase, WorkspaceFixture } from '@quarry/db/testing';
import { type Queue, startQueue } from '@quarry/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeRun } from '../execute-run';
import { insertRun } from '../testing/insert-run';
import { type RunnerFixture, startRunnerFixture } from '../testing/runner-fixture';

// The take's cost with JS runs' jobs listing many connections, under the runner's generic plans,
// as take-plan.test.ts measures the take.
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

/** A queued JS run reading `ids`, and `active` active JS jobs ahead of its own, each listing `ids`. */
async function scene(ids: string[], active: number, connectionLimit: number) {
  const runId = await insertRun(database.db, fixture, {
    connectionId: null,
    connectionIds: ids,
    source: 'return 1',
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

/**
 * What one take may read: the fixed statement reads 650-1,010 buffers here (the jobs' data, once
 * each, and the index pages the run found them by vary between runs), where 26fb928's read 39,000
 * and 298,000: the bound is about five times the first and far under the second.
 */
const BUFFERS_BOUND = 5_000;

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

  it('a JS run reading 100 connections, 64 JS jobs ahead listing the same 100: bounded buffers', async () => {
    const cost = await explainTake(connectionIdsOf(100), 64, 1000);
    expect(cost.rows).toBe(1);
    expect(cost.blocks).toBeLessThan(BUFFERS_BOUND);
  });

  it('the worst a notebook allows (a JS cell reading ~500 SQL cells on distinct connections), 64 jobs ahead listing them all, cap 1000', async () => {
    const cost = await explainTake(connectionIdsOf(499), 64, 1000);
    expect(cost.rows).toBe(1);
    expect(cost.blocks).toBeLessThan(BUFFERS_BOUND);
    // One take, on the runner's database, per slot per fetch (and again after each "must wait").
    expect(cost.ms).toBeLessThan(250);
  });
});
