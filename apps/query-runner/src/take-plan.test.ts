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

/** Runs of another owner on the same connection, as a busy workspace holds them: ended, or taken. */
async function heldRuns(count: number, status: 'succeeded' | 'running'): Promise<void> {
  await database.sql`
    insert into runs (id, workspace_id, project_id, cell_id, owner_id, connection_id, source, row_limit,
      status, started_at, finished_at)
    select 'run_' || md5(random()::text || i), ${fixture.workspaceId}, ${fixture.projectId}, ${fixture.cellId},
      ${fixture.users.viewer.id}, ${fixture.connectionId}, 'select 1', 10, ${status},
      now() - interval '1 minute', case when ${status}::text = 'succeeded' then now() end
    from generate_series(1, ${count}) as i`;
}

/** A statement's values as SQL literals, for EXECUTE of the statement prepared with their places. */
const literal = (value: unknown): string =>
  value === null || value === undefined
    ? 'null'
    : typeof value === 'number'
      ? String(value)
      : `'${String(value instanceof Date ? value.toISOString() : value).replaceAll("'", "''")}'`;

describe("a run's take under the runner's generic plans", () => {
  it('reads the runs taken alone, however many runs the workspace retains and whatever its statistics said', async () => {
    const runId = await queuedRun();
    const admission = { ownerLimit: 25, connectionLimit: 10 };
    const job = { runId, workspaceId: fixture.workspaceId };
    const statement = takeRun(generic.db, job, admission).toSQL();
    const execute = `execute take(${statement.params.map(literal).join(', ')})`;
    const reserved = await generic.sql.reserve();
    try {
      await reserved.unsafe(`prepare take as ${statement.sql}`);
      // Planned (once, for every later execution) while the workspace has no other run, as a
      // runner's connection plans it at its first take.
      await reserved.unsafe('begin');
      await reserved.unsafe(execute);
      await reserved.unsafe('rollback');

      // An hour of a busy workspace: thousands of runs ended and retained, and a few taken.
      await heldRuns(3000, 'succeeded');
      await heldRuns(4, 'running');
      await reserved.unsafe('begin');
      const [explained] = await reserved.unsafe<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(
        `explain (analyze, buffers, format json) ${execute}`,
      );
      await reserved.unsafe('rollback');
      const plan = explained?.['QUERY PLAN'][0].Plan;
      if (!plan) throw new Error('no plan');
      // Admitted (four runs taken on its connection, under both limits) and taken.
      expect(plan['Actual Rows']).toBe(1);
      // The runs that ended are not read: only the index of active runs finds the taken ones.
      expect(plan['Shared Hit Blocks']).toBeLessThan(100);
    } finally {
      await reserved.unsafe('deallocate take').catch(() => undefined);
      reserved.release();
    }
  });
});

type PlanNode = { 'Actual Rows': number; 'Shared Hit Blocks': number };
