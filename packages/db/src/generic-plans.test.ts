import { and, eq, inArray, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbClient } from './client';
import {
  connectionIsDefault,
  connections,
  runFailed,
  runIsActive,
  runs,
  schemaRefreshes,
  schemaRefreshIsActive,
} from './schema/index';
import { createTestDatabase, type TestDatabase } from './testing/index';

let database: TestDatabase;
/** One connection planning as the API's and the runner's pools do. */
let generic: DbClient;

beforeAll(async () => {
  database = await createTestDatabase();
  generic = createDb(database.url, { max: 1, genericPlans: true });
});

afterAll(async () => {
  await generic.close();
  await database.drop();
});

/**
 * The plan PostgreSQL keeps for a statement prepared once and run with any values, as a pool with
 * generic plans runs it. Sequential scans are priced out so that any index the plan may use is used.
 */
async function genericPlan(statement: { sql: string; params: unknown[] }): Promise<string> {
  const types = statement.params.map(() => 'text').join(', ');
  await generic.sql.unsafe('set enable_seqscan = off');
  await generic.sql.unsafe(`prepare probe (${types}) as ${statement.sql}`);
  try {
    const values = statement.params.map((_, i) => `'value ${i}'`).join(', ');
    const plan = await generic.sql.unsafe<{ 'QUERY PLAN': string }[]>(`explain execute probe(${values})`);
    return plan.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    await generic.sql.unsafe('deallocate probe');
    await generic.sql.unsafe('reset enable_seqscan');
  }
}

const runsWhere = (where: SQL | undefined) =>
  generic.db.select({ id: runs.id }).from(runs).where(where).toSQL();

describe('generic plans', () => {
  it("is how the API's and the runner's pools plan, and no other pool", async () => {
    const [mode] = await generic.sql<{ plan_cache_mode: string }[]>`show plan_cache_mode`;
    expect(mode?.plan_cache_mode).toBe('force_generic_plan');
    const [other] = await database.sql<{ plan_cache_mode: string }[]>`show plan_cache_mode`;
    expect(other?.plan_cache_mode).toBe('auto');
  });

  it('use the partial index of active runs where the statement writes its predicate', async () => {
    const plan = await genericPlan(runsWhere(and(eq(runs.workspaceId, 'w'), runIsActive)));
    expect(plan).toContain('runs_active_idx');
    // The control: the same predicate with its statuses bound, as drizzle's inArray binds them.
    const bound = await genericPlan(
      runsWhere(and(eq(runs.workspaceId, 'w'), inArray(runs.status, ['queued', 'running']))),
    );
    expect(bound).not.toContain('runs_active_idx');
  });

  it('use the partial indexes of failed runs, active refreshes and the default connection', async () => {
    expect(await genericPlan(runsWhere(and(eq(runs.workspaceId, 'w'), runFailed)))).toContain(
      'runs_failed_idx',
    );
    const refreshes = generic.db
      .select({ id: schemaRefreshes.id })
      .from(schemaRefreshes)
      .where(and(eq(schemaRefreshes.connectionId, 'c'), schemaRefreshIsActive))
      .toSQL();
    expect(await genericPlan(refreshes)).toContain('schema_refreshes_one_active_idx');
    const defaults = generic.db
      .select({ id: connections.id })
      .from(connections)
      .where(and(eq(connections.workspaceId, 'w'), connectionIsDefault))
      .toSQL();
    expect(await genericPlan(defaults)).toContain('connections_one_default');
  });
});
