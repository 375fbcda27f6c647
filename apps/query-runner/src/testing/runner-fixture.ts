import type { Db, Sql } from '@quarry/db';
import {
  createTestDatabase,
  createTestWarehouse,
  createWorkspaceFixture,
  type TestDatabase,
  type TestWarehouse,
  type WorkspaceFixture,
} from '@quarry/db/testing';
import { type AllowList, LOOPBACK_ALLOW_LIST } from '@quarry/net-policy';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import pino from 'pino';
import type { RunnerDeps } from '../execute-run';

/** A test's own Quarry database and warehouse, a workspace on them, and a runner's deps over both. */
export type RunnerFixture = {
  database: TestDatabase;
  warehouse: TestWarehouse;
  vault: Vault;
  fixture: WorkspaceFixture;
  deps: RunnerDeps;
  drop: () => Promise<void>;
};

/** A runner's deps over a database for a test: silent logs, the real clock, loopback warehouses. */
export function testRunnerDeps(
  database: { db: Db; sql: Sql },
  vault: Vault,
  allowPrivateHosts: AllowList = LOOPBACK_ALLOW_LIST,
): RunnerDeps {
  return {
    db: database.db,
    sql: database.sql,
    vault,
    log: pino({ level: 'silent' }),
    now: () => new Date(),
    allowPrivateHosts,
  };
}

export async function startRunnerFixture(options: { orders?: number } = {}): Promise<RunnerFixture> {
  const database = await createTestDatabase();
  const warehouse = await createTestWarehouse({ orders: options.orders ?? 10 });
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  const vault = loaded.value;
  const fixture = await createWorkspaceFixture(database.db, { vault, warehouse: warehouse.reader });
  const deps = testRunnerDeps(database, vault);
  return {
    database,
    warehouse,
    vault,
    fixture,
    deps,
    drop: async () => {
      await warehouse.drop();
      await database.drop();
    },
  };
}
