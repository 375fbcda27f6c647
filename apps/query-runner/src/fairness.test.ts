import { newId } from '@quarry/db';
import { runs } from '@quarry/db/schema';
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
import { generateMasterKey, loadVaultFromEnv } from '@quarry/vault';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from './env';
import { type RunningWorker, startWorker } from './worker';

let database: TestDatabase;
let warehouse: TestWarehouse;
let fixture: WorkspaceFixture;
let queue: Queue;
const masterKey = generateMasterKey();

beforeAll(async () => {
  database = await createTestDatabase();
  warehouse = await createTestWarehouse({ orders: 10 });
  const vault = loadVaultFromEnv({ QUARRY_MASTER_KEY: masterKey });
  if (!vault.ok) throw new Error(vault.error.message);
  fixture = await createWorkspaceFixture(database.db, { vault: vault.value, warehouse: warehouse.reader });
  queue = await startQueue(database.url, { supervise: false });
});
afterAll(async () => {
  await queue?.stop({ graceful: false, timeoutMs: 1000 });
  await warehouse?.drop();
  await database?.drop();
});

function startRunner(env: Record<string, string>): Promise<RunningWorker> {
  return startWorker(
    loadEnv({
      DATABASE_URL: database.url,
      QUARRY_MASTER_KEY: masterKey,
      QUARRY_ALLOWED_PRIVATE_HOSTS: '127.0.0.1,::1,localhost',
      RUNNER_HEALTH_PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    }),
    { logDestination: observingLogStream('runner') },
  );
}

/** Records a run and sends its job as runs.start does: with its owner and connection as hints. */
async function startRun(ownerId: string, source: string): Promise<string> {
  const id = newId('run');
  await database.db.insert(runs).values({
    id,
    workspaceId: fixture.workspaceId,
    projectId: fixture.projectId,
    cellId: fixture.cellId,
    ownerId,
    connectionId: fixture.connectionId,
    source,
    rowLimit: 100,
  });
  await queue.send('run.execute', {
    runId: id,
    workspaceId: fixture.workspaceId,
    ownerId,
    connectionId: fixture.connectionId,
  });
  return id;
}

/**
 * Records a JS cell's run, reading a SQL step on the fixture's connection, and sends its job as
 * runs.start does: grouped under that connection, with every connection it queries listed.
 */
async function startJsRun(ownerId: string, sql: string): Promise<string> {
  const id = newId('run');
  const query = {
    kind: 'sql' as const,
    cellId: newId('cell'),
    name: 'q',
    connectionId: fixture.connectionId,
    sql,
    params: [],
  };
  const js = {
    kind: 'js' as const,
    cellId: fixture.cellId,
    name: 'j',
    source: 'return q.length;',
    uses: ['q'],
  };
  await database.db.insert(runs).values({
    id,
    workspaceId: fixture.workspaceId,
    projectId: fixture.projectId,
    cellId: fixture.cellId,
    ownerId,
    connectionId: null,
    connectionIds: [fixture.connectionId],
    plan: { steps: [query, js], inputs: {} },
    source: js.source,
    rowLimit: 100,
  });
  await queue.send('run.execute', {
    runId: id,
    workspaceId: fixture.workspaceId,
    ownerId,
    connectionId: fixture.connectionId,
    connectionIds: [fixture.connectionId],
  });
  return id;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

const rowsOf = (ids: string[]) => database.db.select().from(runs).where(inArray(runs.id, ids));

describe('fairness between users', () => {
  it("starts user B's run, sent after user A's 60, before A's backlog drains", async () => {
    const a = fixture.users.editor.id;
    const b = (await addWorkspaceMember(database.db, { workspaceId: fixture.workspaceId, role: 'editor' }))
      .id;
    const backlog: string[] = [];
    for (let i = 0; i < 60; i += 1)
      backlog.push(await startRun(a, `select ${i} as n from (select pg_sleep(0.05)) s`));
    const late = await startRun(b, 'select 1 as n');
    const runner = await startRunner({ QUARRY_RUNNER_CONCURRENCY: '2' });
    try {
      expect(
        await waitFor(
          async () => (await rowsOf([...backlog, late])).every((r) => r.status === 'succeeded'),
          120_000,
        ),
      ).toBe(true);
      const done = await rowsOf(backlog);
      const [lateRow] = await rowsOf([late]);
      const started = (lateRow?.startedAt ?? new Date(0)).getTime();
      const startedAfterB = done.filter((r) => (r.startedAt?.getTime() ?? 0) > started).length;
      // B's first run waits behind at most A's first run (the one that shares its priority) and
      // what was already running; most of A's backlog starts after it.
      expect(startedAfterB).toBeGreaterThan(50);
    } finally {
      await runner.stop();
    }
  }, 180_000);

  it("keeps one user's running runs at the limit, the rest waiting in the queue, and runs them all", async () => {
    const owner = (
      await addWorkspaceMember(database.db, { workspaceId: fixture.workspaceId, role: 'editor' })
    ).id;
    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1)
      ids.push(await startRun(owner, 'select 1 as n from (select pg_sleep(0.5)) s'));
    const runner = await startRunner({ QUARRY_RUNNER_CONCURRENCY: '4', QUARRY_USER_ACTIVE_RUN_LIMIT: '2' });
    try {
      expect(
        await waitFor(async () => (await rowsOf(ids)).every((r) => r.status === 'succeeded'), 60_000),
      ).toBe(true);
      const spans = (await rowsOf(ids)).map((r) => [
        r.startedAt?.getTime() ?? 0,
        r.finishedAt?.getTime() ?? 0,
      ]);
      // At no run's start were more than two of this user's runs running.
      for (const [start] of spans) {
        const running = spans.filter(([s, f]) => (s ?? 0) <= (start ?? 0) && (f ?? 0) > (start ?? 0)).length;
        expect(running).toBeLessThanOrEqual(2);
      }
    } finally {
      await runner.stop();
    }
  }, 180_000);

  it("never runs more of one connection's queries at once than its limit, whoever started them", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 9; i += 1) {
      const owner = (
        await addWorkspaceMember(database.db, { workspaceId: fixture.workspaceId, role: 'editor' })
      ).id;
      ids.push(await startRun(owner, 'select 1 as n from (select pg_sleep(0.3)) s'));
    }
    const runner = await startRunner({ QUARRY_RUNNER_CONCURRENCY: '8', QUARRY_CONNECTION_QUERY_LIMIT: '3' });
    try {
      expect(
        await waitFor(async () => (await rowsOf(ids)).every((r) => r.status === 'succeeded'), 60_000),
      ).toBe(true);
      const spans = (await rowsOf(ids)).map((r) => [
        r.startedAt?.getTime() ?? 0,
        r.finishedAt?.getTime() ?? 0,
      ]);
      for (const [start] of spans) {
        const running = spans.filter(([s, f]) => (s ?? 0) <= (start ?? 0) && (f ?? 0) > (start ?? 0)).length;
        expect(running).toBeLessThanOrEqual(3);
      }
    } finally {
      await runner.stop();
    }
  }, 180_000);

  it("counts a JS cell's run against the limit of the connection its SQL steps read, beside SQL cells' runs", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const owner = (
        await addWorkspaceMember(database.db, { workspaceId: fixture.workspaceId, role: 'editor' })
      ).id;
      const sql = 'select 1 as n from (select pg_sleep(0.3)) s';
      ids.push(await (i % 5 === 4 ? startRun(owner, sql) : startJsRun(owner, sql)));
    }
    const runner = await startRunner({ QUARRY_RUNNER_CONCURRENCY: '8', QUARRY_CONNECTION_QUERY_LIMIT: '3' });
    try {
      expect(
        await waitFor(
          async () => (await rowsOf(ids)).every((r) => r.status !== 'queued' && r.status !== 'running'),
          60_000,
        ),
      ).toBe(true);
      const done = await rowsOf(ids);
      expect(done.map((r) => r.status)).toEqual(ids.map(() => 'succeeded'));
      const spans = done.map((r) => [r.startedAt?.getTime() ?? 0, r.finishedAt?.getTime() ?? 0]);
      for (const [start] of spans) {
        const running = spans.filter(([s, f]) => (s ?? 0) <= (start ?? 0) && (f ?? 0) > (start ?? 0)).length;
        expect(running).toBeLessThanOrEqual(3);
      }
    } finally {
      await runner.stop();
    }
  }, 180_000);
});
