import { createDb, type DbClient } from '@quarry/db';
import type { TestDatabase, WorkspaceFixture } from '@quarry/db/testing';
import { type Queue, startQueue } from '@quarry/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeRun } from './execute-run';
import { insertRun } from './testing/insert-run';
import { type RunnerFixture, startRunnerFixture } from './testing/runner-fixture';

let started: RunnerFixture;
let database: TestDatabase;
let fixture: WorkspaceFixture;
let queue: Queue;
/** One connection planning as the runner's pool does: one generic plan per statement. */
let generic: DbClient;

beforeAll(async () => {
  started = await startRunnerFixture({ orders: 1 });
  ({ database, fixture } = started);
  queue = await startQueue(database.url, { supervise: false });
  generic = createDb(database.url, { max: 1, genericPlans: true });
});

afterAll(async () => {
  await generic?.close();
  await queue?.stop({ graceful: false, timeoutMs: 1000 });
  await started?.drop();
});

const queuedRun = () => insertRun(database.db, fixture);

/** Run jobs in pg-boss's table as a busy queue holds them: `state`, handed out in order. */
async function jobs(count: number, state: 'completed' | 'active'): Promise<string[]> {
  const rows = await database.sql<{ id: string }[]>`
    insert into pgboss.job (name, data, state, started_on, completed_on)
    select 'run.execute',
      jsonb_build_object('runId', 'run_' || i, 'workspaceId', ${fixture.workspaceId}::text,
        'ownerId', ${fixture.users.editor.id}::text, 'connectionId', ${fixture.connectionId}::text),
      ${state}::pgboss.job_state, now() - interval '1 minute' + i * interval '1 ms',
      case when ${state}::text = 'completed' then now() end
    from generate_series(1, ${count}) as i
    returning id`;
  return rows.map((row) => row.id);
}

/** A statement's values as SQL literals, for EXECUTE of the statement prepared with their places. */
const literal = (value: unknown): string =>
  value === null || value === undefined
    ? 'null'
    : typeof value === 'number'
      ? String(value)
      : `'${String(value instanceof Date ? value.toISOString() : value).replaceAll("'", "''")}'`;

describe("a run's take under the runner's generic plans", () => {
  it('reads the active jobs alone, however many jobs the queue retains and whatever its statistics said', async () => {
    const runId = await queuedRun();
    const admission = (jobId: string) => ({ jobId, ownerLimit: 25, connectionLimit: 10 });
    const job = { runId, workspaceId: fixture.workspaceId };
    const statement = (jobId: string) => takeRun(generic.db, job, admission(jobId), new Date()).toSQL();
    const { sql: text } = statement('00000000-0000-0000-0000-000000000000');
    const execute = (jobId: string) => `execute take(${statement(jobId).params.map(literal).join(', ')})`;
    const reserved = await generic.sql.reserve();
    try {
      await reserved.unsafe(`prepare take as ${text}`);
      // Planned (once, for every later execution) while the queue is still empty, as a runner's
      // connection plans it at its first take.
      await reserved.unsafe('begin');
      await reserved.unsafe(execute('00000000-0000-0000-0000-000000000000'));
      await reserved.unsafe('rollback');

      // An hour of a busy queue: thousands of jobs run and retained, and a few in hand, ours last.
      await jobs(3000, 'completed');
      const active = await jobs(5, 'active');
      const ours = active.at(-1) ?? '';
      await reserved.unsafe('begin');
      const [explained] = await reserved.unsafe<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(
        `explain (analyze, buffers, format json) ${execute(ours)}`,
      );
      await reserved.unsafe('rollback');
      const plan = explained?.['QUERY PLAN'][0].Plan;
      if (!plan) throw new Error('no plan');
      // Admitted (four jobs ahead of it, under both limits) and taken.
      expect(plan['Actual Rows']).toBe(1);
      // A plan that looked this job up through the index on the queue's name scanned the retained
      // jobs once for each active one: about 600 buffers here (14 now), and 6,000 a take on the
      // concurrent-runs bench after 600 runs, where each job also leaves its dead versions.
      expect(plan['Shared Hit Blocks']).toBeLessThan(100);
    } finally {
      await reserved.unsafe('deallocate take').catch(() => undefined);
      reserved.release();
    }
  });
});

type PlanNode = { 'Actual Rows': number; 'Shared Hit Blocks': number };
