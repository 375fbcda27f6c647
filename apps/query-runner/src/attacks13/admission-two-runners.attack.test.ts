import { newId } from '@quarry/db';
import { connectionCredentialsContext, connections, projectConnections, runs } from '@quarry/db/schema';
import {
  addWorkspaceMember,
  createTestDatabase,
  createTestWarehouse,
  createWorkspaceFixture,
  joinWorkspace,
  type TestDatabase,
  type TestWarehouse,
  type WorkspaceFixture,
} from '@quarry/db/testing';
import { observingLogStream, watchVault } from '@quarry/leak-scan';
import { type Queue, startQueue } from '@quarry/queue';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../env';
import { type RunningWorker, startWorker } from '../worker';

// Attacks on today's admission (bf51623): a take reads pgboss's active run jobs once (a
// materialized CTE) and finds its own job among them. Two real runner workers, 16 slots each (32
// slots fetching at once, more than either limit), must never hold more of one owner's runs than
// the per-user limit (25) nor more of one connection's queries than the per-connection limit (10),
// and an owner at the limit in one workspace is not held back in another.

let database: TestDatabase;
let warehouse: TestWarehouse;
let a: WorkspaceFixture;
let b: WorkspaceFixture;
let queue: Queue;
let vault: Vault;
const masterKey = generateMasterKey();

beforeAll(async () => {
  database = await createTestDatabase();
  warehouse = await createTestWarehouse({ orders: 3 });
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: masterKey });
  if (!loaded.ok) throw new Error(loaded.error.message);
  vault = watchVault(loaded.value);
  a = await createWorkspaceFixture(database.db, { vault, warehouse: warehouse.reader, name: 'A' });
  b = await createWorkspaceFixture(database.db, { vault, warehouse: warehouse.reader, name: 'B' });
  queue = await startQueue(database.url, { supervise: false });
}, 120_000);

afterAll(async () => {
  await queue?.stop({ graceful: false, timeoutMs: 1000 });
  await warehouse?.drop();
  await database?.drop();
});

/** Two runners of 16 slots each on the same queue, with the default limits (25 per user, 10 per connection). */
async function twoRunners(): Promise<RunningWorker[]> {
  const env = loadEnv({
    DATABASE_URL: database.url,
    QUARRY_MASTER_KEY: masterKey,
    QUARRY_ALLOWED_PRIVATE_HOSTS: '127.0.0.1,::1,localhost',
    RUNNER_HEALTH_PORT: '0',
    LOG_LEVEL: 'info',
    QUARRY_RUNNER_CONCURRENCY: '16',
  });
  expect([env.QUARRY_USER_ACTIVE_RUN_LIMIT, env.QUARRY_CONNECTION_QUERY_LIMIT]).toEqual([25, 10]);
  return Promise.all([
    startWorker(env, { logDestination: observingLogStream('runner-1') }),
    startWorker(env, { logDestination: observingLogStream('runner-2') }),
  ]);
}

/** Another connection of `ws` to the same warehouse, imported by its project. */
async function anotherConnection(ws: WorkspaceFixture): Promise<string> {
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

/** Records a run and sends its job as runs.start does (its owner and connection as hints). */
async function queueRun(ws: WorkspaceFixture, ownerId: string, connectionId: string, source: string) {
  const id = newId('run');
  await database.db.insert(runs).values({
    id,
    workspaceId: ws.workspaceId,
    projectId: ws.projectId,
    cellId: ws.cellId,
    ownerId,
    connectionId,
    source,
    rowLimit: 10,
  });
  await queue.send('run.execute', { runId: id, workspaceId: ws.workspaceId, ownerId, connectionId });
  return id;
}

const rowsOf = (ids: string[]) => database.db.select().from(runs).where(inArray(runs.id, ids));

async function allEnded(ids: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const rows = await rowsOf(ids);
    if (rows.every((r) => r.status !== 'queued' && r.status !== 'running')) return rows;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('runs did not end in time');
}

/** The most runs of `rows` running at any one run's start (taken to finished, as the database says). */
function peak(rows: (typeof runs.$inferSelect)[]): number {
  const spans = rows.map((r) => [r.startedAt?.getTime() ?? 0, r.finishedAt?.getTime() ?? 0] as const);
  let most = 0;
  for (const [start] of spans) {
    most = Math.max(most, spans.filter(([s, f]) => s <= start && f > start).length);
  }
  return most;
}

describe('admission under two runners taking at once', () => {
  it('one owner, 40 runs over 4 connections (10 each), 32 slots: never more than 25 running, all of them run', async () => {
    const owner = (await addWorkspaceMember(database.db, { workspaceId: a.workspaceId, role: 'editor' })).id;
    const conns = [a.connectionId, ...(await Promise.all([1, 2, 3].map(() => anotherConnection(a))))];
    const ids: string[] = [];
    for (let i = 0; i < 40; i += 1) {
      ids.push(
        await queueRun(a, owner, conns[i % 4] as string, `select ${i} as n from (select pg_sleep(1.2)) s`),
      );
    }
    const runners = await twoRunners();
    try {
      const rows = await allEnded(ids, 90_000);
      expect(rows.map((r) => r.status)).toEqual(Array(40).fill('succeeded'));
      const most = peak(rows);
      expect(most).toBeLessThanOrEqual(25);
      // The limit was pressed on: 32 slots took at once.
      expect(most).toBeGreaterThanOrEqual(15);
      for (const connectionId of conns) {
        expect(peak(rows.filter((r) => r.connectionId === connectionId))).toBeLessThanOrEqual(10);
      }
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
    }
  }, 150_000);

  it('30 owners on one connection, 32 slots: never more than 10 of its queries at once', async () => {
    const owners = await Promise.all(
      Array.from({ length: 30 }, () =>
        addWorkspaceMember(database.db, { workspaceId: a.workspaceId, role: 'editor' }),
      ),
    );
    const ids: string[] = [];
    for (const [i, owner] of owners.entries()) {
      ids.push(await queueRun(a, owner.id, a.connectionId, `select ${i} as n from (select pg_sleep(0.8)) s`));
    }
    const runners = await twoRunners();
    try {
      const rows = await allEnded(ids, 90_000);
      expect(rows.map((r) => r.status)).toEqual(Array(30).fill('succeeded'));
      const most = peak(rows);
      expect(most).toBeLessThanOrEqual(10);
      expect(most).toBeGreaterThanOrEqual(5);
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
    }
  }, 150_000);

  it('an owner at the limit in workspace A is not held back in workspace B (counts are per workspace)', async () => {
    const owner = (await addWorkspaceMember(database.db, { workspaceId: a.workspaceId, role: 'editor' })).id;
    await joinWorkspace(database.db, { userId: owner, workspaceId: b.workspaceId, role: 'editor' });
    const conns = [a.connectionId, ...(await Promise.all([1, 2].map(() => anotherConnection(a))))];
    const inA: string[] = [];
    for (let i = 0; i < 25; i += 1) {
      inA.push(
        await queueRun(a, owner, conns[i % 3] as string, `select ${i} as n from (select pg_sleep(6)) s`),
      );
    }
    const runners = await twoRunners();
    try {
      // A's 25 are all running: the owner is at the limit in A.
      const deadline = Date.now() + 30_000;
      while ((await rowsOf(inA)).filter((r) => r.status === 'running').length < 25) {
        if (Date.now() > deadline) throw new Error('A’s runs never all ran');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const inB = await Promise.all(
        [0, 1, 2].map((i) => queueRun(b, owner, b.connectionId, `select ${i} as n`)),
      );
      const bRows = await allEnded(inB, 60_000);
      expect(bRows.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      const aRows = await allEnded(inA, 60_000);
      const firstAFinished = Math.min(...aRows.map((r) => r.finishedAt?.getTime() ?? Infinity));
      // B's runs were taken while all 25 of A's still ran.
      for (const r of bRows) expect(r.startedAt?.getTime() ?? Infinity).toBeLessThan(firstAFinished);
      expect(peak(aRows)).toBe(25);
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
    }
  }, 150_000);
});
