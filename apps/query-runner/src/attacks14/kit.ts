import { newId } from '@quarry/db';
import { connectionCredentialsContext, connections, projectConnections, runs } from '@quarry/db/schema';
import {
  addWorkspaceMember,
  createTestDatabase,
  createTestWarehouse,
  createWorkspaceFixture,
  type TestDatabase,
  type TestWarehouse,
  type WorkspaceFixture,
} from '@quarry/db/testing';
import { observingLogStream } from '@quarry/leak-scan';
import { type Queue, startQueue } from '@quarry/queue';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll } from 'vitest';
import { loadEnv } from '../env';
import { type RunningWorker, startWorker } from '../worker';

/** A real database, warehouse, workspace and queue; real runner workers started on demand. */
export type Kit = {
  database: TestDatabase;
  warehouse: TestWarehouse;
  ws: WorkspaceFixture;
  queue: Queue;
  vault: Vault;
  masterKey: string;
  drop(): Promise<void>;
};

export async function startKit(): Promise<Kit> {
  const masterKey = generateMasterKey();
  const database = await createTestDatabase();
  const warehouse = await createTestWarehouse({ orders: 3 });
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: masterKey });
  if (!loaded.ok) throw new Error(loaded.error.message);
  const vault = loaded.value;
  const ws = await createWorkspaceFixture(database.db, { vault, warehouse: warehouse.reader });
  const queue = await startQueue(database.url, { supervise: false });
  return {
    database,
    warehouse,
    ws,
    queue,
    vault,
    masterKey,
    async drop() {
      await queue.stop({ graceful: false, timeoutMs: 1000 });
      await warehouse.drop();
      await database.drop();
    },
  };
}

/**
 * One test file's kit, started before its tests and dropped after them: its fields are there once
 * the tests run. With `second`, another connection of the workspace to the same warehouse, beside
 * the workspace's own (`ws.connectionId`).
 */
export function kitPerFile(options: { second?: boolean } = {}): Kit & { second: string } {
  const kit = {} as Kit & { second: string };
  beforeAll(async () => {
    Object.assign(kit, await startKit());
    if (options.second) kit.second = await anotherConnection(kit);
  }, 120_000);
  afterAll(async () => {
    await kit.drop?.();
  });
  return kit;
}

/** A new editor of the kit's workspace: each run's own owner, so the per-user cap stays out of the way. */
export const newMember = async (kit: Kit): Promise<string> =>
  (await addWorkspaceMember(kit.database.db, { workspaceId: kit.ws.workspaceId, role: 'editor' })).id;

export function startRunner(kit: Kit, env: Record<string, string>, name = 'runner'): Promise<RunningWorker> {
  return startWorker(
    loadEnv({
      DATABASE_URL: kit.database.url,
      QUARRY_MASTER_KEY: kit.masterKey,
      QUARRY_ALLOWED_PRIVATE_HOSTS: '127.0.0.1,::1,localhost',
      RUNNER_HEALTH_PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    }),
    { logDestination: observingLogStream(name) },
  );
}

/** Another connection of the workspace to the same warehouse, imported by its project. */
export async function anotherConnection(kit: Kit): Promise<string> {
  const { database, ws, vault, warehouse } = kit;
  const [row] = await database.db.select().from(connections).where(eq(connections.id, ws.connectionId));
  if (!row) throw new Error('no connection');
  const id = newId('connection');
  await database.db.insert(connections).values({
    ...row,
    id,
    isDefault: false,
    name: `warehouse ${id.slice(-6)}`,
    credentials: vault.seal(
      JSON.stringify({ password: warehouse.reader.password }),
      connectionCredentialsContext(ws.workspaceId, id),
    ),
  });
  await database.db
    .insert(projectConnections)
    .values({ projectId: ws.projectId, connectionId: id, workspaceId: ws.workspaceId });
  return id;
}

/** A SQL cell's run on `connectionId`, its job sent as runs.start sends it. */
export async function queueSqlRun(kit: Kit, ownerId: string, connectionId: string, sql: string) {
  const id = newId('run');
  await kit.database.db.insert(runs).values({
    id,
    workspaceId: kit.ws.workspaceId,
    projectId: kit.ws.projectId,
    cellId: kit.ws.cellId,
    ownerId,
    connectionId,
    source: sql,
    rowLimit: 100,
  });
  await kit.queue.send('run.execute', { runId: id, workspaceId: kit.ws.workspaceId, ownerId, connectionId });
  return id;
}

/**
 * A JS cell's run whose plan has one SQL step on each of `connectionIds` (each `sql`), then a JS
 * step reading them all. `job`: 'current' sends the job as runs.start does since 26fb928 (grouped
 * under the first connection, every one listed); 'legacy' as it did before (no connection at all).
 */
export async function queueJsRun(
  kit: Kit,
  ownerId: string,
  connectionIds: string[],
  sql: string,
  job: 'current' | 'legacy' = 'current',
) {
  const id = newId('run');
  const steps = connectionIds.map((connectionId, i) => ({
    kind: 'sql' as const,
    cellId: newId('cell'),
    name: `q${i}`,
    connectionId,
    sql,
    params: [],
  }));
  const source = connectionIds.length
    ? `return ${connectionIds.map((_, i) => `q${i}.length`).join(' + ')};`
    : 'return 6 * 7;';
  const js = {
    kind: 'js' as const,
    cellId: kit.ws.cellId,
    name: 'j',
    source,
    uses: steps.map((s) => s.name),
  };
  await kit.database.db.insert(runs).values({
    id,
    workspaceId: kit.ws.workspaceId,
    projectId: kit.ws.projectId,
    cellId: kit.ws.cellId,
    ownerId,
    connectionId: null,
    connectionIds,
    plan: { steps: [...steps, js], inputs: {} },
    source,
    rowLimit: 100,
  });
  const first = connectionIds[0];
  await kit.queue.send('run.execute', {
    runId: id,
    workspaceId: kit.ws.workspaceId,
    ownerId,
    ...(job === 'current' && first ? { connectionId: first, connectionIds } : {}),
  });
  return id;
}

export type RunRow = typeof runs.$inferSelect;

export const rowsOf = (kit: Kit, ids: string[]) =>
  kit.database.db.select().from(runs).where(inArray(runs.id, ids));

export async function allEnded(kit: Kit, ids: string[], timeoutMs: number): Promise<RunRow[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const rows = await rowsOf(kit, ids);
    if (rows.every((r) => r.status !== 'queued' && r.status !== 'running')) return rows;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const rows = await rowsOf(kit, ids);
  throw new Error(`runs did not end in time: ${JSON.stringify(rows.map((r) => r.status).sort())}`);
}

/** The most of `rows` running at any one of their starts (started_at to finished_at, as the database says). */
export function peak(rows: RunRow[]): number {
  const spans = rows.map((r) => [r.startedAt?.getTime() ?? 0, r.finishedAt?.getTime() ?? 0] as const);
  let most = 0;
  for (const [start] of spans) {
    most = Math.max(most, spans.filter(([s, f]) => s <= start && f > start).length);
  }
  return most;
}

/** The runs of `rows` that query `connectionId`: a SQL run on it, or a JS run whose plan reads it. */
export const querying = (rows: RunRow[], connectionId: string) =>
  rows.filter((r) => r.connectionId === connectionId || r.connectionIds.includes(connectionId));
