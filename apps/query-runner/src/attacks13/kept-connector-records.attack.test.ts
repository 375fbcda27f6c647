import { randomUUID } from 'node:crypto';
import { newId } from '@quarry/db';
import {
  auditEvents,
  connectionCredentialsContext,
  connections,
  projectConnections,
  runChunks,
  runs,
} from '@quarry/db/schema';
import {
  createTestDatabase,
  createTestWarehouse,
  createWorkspaceFixture,
  type TestDatabase,
  type TestWarehouse,
  type WorkspaceFixture,
} from '@quarry/db/testing';
import { observe, observingLogStream, registerSecret, watchVault } from '@quarry/leak-scan';
import { LOOPBACK_ALLOW_LIST } from '@quarry/net-policy';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { and, asc, eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ConnectorCache, createConnectorCache } from '../connector-cache';
import { executeRun, type RunnerDeps } from '../execute-run';

// Attacks on today's kept connectors (0895257) through rows edited straight in Quarry's database:
// a connection row moved to another workspace, its id taken by another workspace's row, its
// ciphertext tampered with or swapped for another record's. A kept connector may serve only the
// exact record it was unwrapped from: each of these must be unwrapped afresh (and audited), and
// fail or use the new record, never silently run on the plaintext kept from before.

let database: TestDatabase;
let warehouse: TestWarehouse;
let a: WorkspaceFixture;
let b: WorkspaceFixture;
let vault: Vault;
let connectors: ConnectorCache;
let deps: RunnerDeps;
let original: typeof connections.$inferSelect;

beforeAll(async () => {
  database = await createTestDatabase();
  warehouse = await createTestWarehouse({ orders: 3 });
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  vault = watchVault(loaded.value);
  registerSecret(warehouse.reader.password, 'warehouse password');
  a = await createWorkspaceFixture(database.db, { vault, warehouse: warehouse.reader, name: 'A' });
  b = await createWorkspaceFixture(database.db, { vault, warehouse: warehouse.reader, name: 'B' });
  const [row] = await database.db.select().from(connections).where(eq(connections.id, a.connectionId));
  if (!row) throw new Error('no connection');
  original = row;
  connectors = createConnectorCache({ idleMs: 60_000, max: 16 });
  deps = {
    db: database.db,
    sql: database.sql,
    vault,
    log: pino({ level: 'trace' }, observingLogStream('runner')),
    now: () => new Date(),
    allowPrivateHosts: LOOPBACK_ALLOW_LIST,
    connectors,
  };
}, 120_000);

afterAll(async () => {
  connectors?.close();
  await warehouse?.drop();
  await database?.drop();
});

/** A's connection row exactly as the fixture made it, imported by A's project only. */
async function restore() {
  await database.db.delete(connections).where(eq(connections.id, a.connectionId));
  await database.db.insert(connections).values(original);
  await database.db
    .insert(projectConnections)
    .values({ projectId: a.projectId, connectionId: a.connectionId, workspaceId: a.workspaceId });
}
beforeEach(restore);

/** Queues a run by the Admin of `ws` on `connectionId` and runs it to its end. */
async function run(ws: WorkspaceFixture, connectionId: string, source = 'select 1 as one') {
  const id = newId('run');
  await database.db.insert(runs).values({
    id,
    workspaceId: ws.workspaceId,
    projectId: ws.projectId,
    cellId: ws.cellId,
    ownerId: ws.users.admin.id,
    connectionId,
    source,
    rowLimit: 10,
  });
  await executeRun(deps, { runId: id, workspaceId: ws.workspaceId }, new AbortController().signal);
  const [row] = await database.db.select().from(runs).where(eq(runs.id, id));
  observe(JSON.stringify(row?.error ?? null), 'run error');
  const chunks = await database.db.select().from(runChunks).where(eq(runChunks.runId, id));
  return {
    id,
    status: row?.status,
    code: (row?.error as { code?: string } | null)?.code,
    chunks: chunks.length,
  };
}

const unwraps = (ws: WorkspaceFixture, connectionId = a.connectionId) =>
  database.db
    .select({ outcome: auditEvents.outcome, details: auditEvents.details })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.chain, ws.workspaceId),
        eq(auditEvents.action, 'connection.credentials_unwrap'),
        eq(auditEvents.targetId, connectionId),
      ),
    )
    .orderBy(asc(auditEvents.seq));

/** A's connection has a kept connector: a second run unwraps nothing. */
async function warm() {
  expect((await run(a, a.connectionId)).status).toBe('succeeded');
  const before = (await unwraps(a)).length;
  expect((await run(a, a.connectionId)).status).toBe('succeeded');
  expect((await unwraps(a)).length).toBe(before);
}

const importInto = (ws: WorkspaceFixture, connectionId: string) =>
  database.db
    .insert(projectConnections)
    .values({ projectId: ws.projectId, connectionId, workspaceId: ws.workspaceId })
    .onConflictDoNothing();

describe('1. a record that moved, or whose id another workspace took', () => {
  it('A’s row moved to B as is: B’s run unwraps under B’s context and fails, A’s run finds no connection', async () => {
    await warm();
    await database.db
      .update(connections)
      .set({ workspaceId: b.workspaceId })
      .where(eq(connections.id, a.connectionId));
    await database.db.delete(projectConnections).where(eq(projectConnections.connectionId, a.connectionId));
    await importInto(b, a.connectionId);
    const before = (await unwraps(b)).length;
    const inB = await run(b, a.connectionId);
    expect(inB).toMatchObject({ status: 'failed', code: 'vault.unwrap_failed', chunks: 0 });
    // Audited in B's chain, as a failure: the kept plaintext was not used.
    expect((await unwraps(b)).slice(before)).toEqual([{ outcome: 'failure', details: { runId: inB.id } }]);
    const inA = await run(a, a.connectionId);
    expect(inA.status).toBe('failed');
    expect(['run.connection_deleted', 'run.connection_not_in_project']).toContain(inA.code);
    expect(inA.chunks).toBe(0);
  });

  it('A’s id taken by B’s own record (sealed for B, another password): B’s run signs in with B’s record and is refused', async () => {
    await warm();
    await database.db.delete(connections).where(eq(connections.id, a.connectionId));
    await database.db.insert(connections).values({
      ...original,
      workspaceId: b.workspaceId,
      credentials: vault.seal(
        JSON.stringify({ password: `b's own ${randomUUID()}` }),
        connectionCredentialsContext(b.workspaceId, a.connectionId),
      ),
      createdBy: b.users.admin.id,
    });
    await importInto(b, a.connectionId);
    const before = (await unwraps(b)).length;
    expect(await run(b, a.connectionId)).toMatchObject({
      status: 'failed',
      code: 'connector.auth_failed',
      chunks: 0,
    });
    expect((await unwraps(b)).slice(before)).toHaveLength(1);
    // And with B's record sealed with the right password, B runs on its own record.
    await database.db
      .update(connections)
      .set({
        credentials: vault.seal(
          JSON.stringify({ password: warehouse.reader.password }),
          connectionCredentialsContext(b.workspaceId, a.connectionId),
        ),
      })
      .where(eq(connections.id, a.connectionId));
    expect((await run(b, a.connectionId)).status).toBe('succeeded');
    expect((await unwraps(b)).slice(before)).toHaveLength(2);
  });
});

describe('2. a ciphertext changed under a kept connector', () => {
  it('one flipped bit: the next run unwraps, fails as vault.unwrap_failed and is audited as a failure; the intact record runs again', async () => {
    await warm();
    const tampered = Buffer.from(original.credentials ?? Buffer.alloc(0));
    const middle = Math.floor(tampered.length / 2);
    tampered[middle] = (tampered[middle] ?? 0) ^ 0x01;
    await database.db
      .update(connections)
      .set({ credentials: tampered })
      .where(eq(connections.id, a.connectionId));
    const before = (await unwraps(a)).length;
    const refused = await run(a, a.connectionId);
    expect(refused).toMatchObject({ status: 'failed', code: 'vault.unwrap_failed', chunks: 0 });
    expect((await unwraps(a)).slice(before)).toEqual([
      { outcome: 'failure', details: { runId: refused.id } },
    ]);
    // A second run on the tampered record is refused too: nothing was kept from the refusal.
    expect((await run(a, a.connectionId)).code).toBe('vault.unwrap_failed');
    await restore();
    expect((await run(a, a.connectionId)).status).toBe('succeeded');
  });

  it('another connection’s valid ciphertext copied onto this row (same workspace) fails to unwrap', async () => {
    await warm();
    const second = newId('connection');
    await database.db.insert(connections).values({
      ...original,
      id: second,
      isDefault: false,
      credentials: vault.seal(
        JSON.stringify({ password: warehouse.reader.password }),
        connectionCredentialsContext(a.workspaceId, second),
      ),
    });
    const [copy] = await database.db.select().from(connections).where(eq(connections.id, second));
    await database.db
      .update(connections)
      .set({ credentials: copy?.credentials ?? null })
      .where(eq(connections.id, a.connectionId));
    expect(await run(a, a.connectionId)).toMatchObject({
      status: 'failed',
      code: 'vault.unwrap_failed',
      chunks: 0,
    });
    await database.db.delete(connections).where(eq(connections.id, second));
  });

  it('credentials removed from the row (null): the kept connector is not served; the run fails without signing in', async () => {
    await warm();
    await database.db
      .update(connections)
      .set({ credentials: null })
      .where(eq(connections.id, a.connectionId));
    const refused = await run(a, a.connectionId);
    expect(refused.status).toBe('failed');
    expect(refused.chunks).toBe(0);
    // No password to sign in with: the warehouse refuses it, or the settings are incomplete.
    expect(['connector.auth_failed', 'connections.incomplete']).toContain(refused.code);
  });
});

describe('3. the kept plaintext lasts its idle time only', () => {
  it('a runner whose connectors last 300 ms unwraps (and audits) again for a run after that', async () => {
    const shortLived = createConnectorCache({ idleMs: 300, max: 4 });
    const short = { ...deps, connectors: shortLived };
    try {
      const runShort = async () => {
        const id = newId('run');
        await database.db.insert(runs).values({
          id,
          workspaceId: a.workspaceId,
          projectId: a.projectId,
          cellId: a.cellId,
          ownerId: a.users.admin.id,
          connectionId: a.connectionId,
          source: 'select 1',
          rowLimit: 10,
        });
        await executeRun(short, { runId: id, workspaceId: a.workspaceId }, new AbortController().signal);
        const [row] = await database.db.select().from(runs).where(eq(runs.id, id));
        return row?.status;
      };
      const before = (await unwraps(a)).length;
      expect([await runShort(), await runShort()]).toEqual(['succeeded', 'succeeded']);
      expect((await unwraps(a)).length - before).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(shortLived.size()).toBe(0);
      expect(await runShort()).toBe('succeeded');
      expect((await unwraps(a)).length - before).toBe(2);
    } finally {
      shortLived.close();
    }
  });
});
