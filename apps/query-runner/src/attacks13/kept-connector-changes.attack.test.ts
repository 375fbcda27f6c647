import { randomUUID } from 'node:crypto';
import { createCertificateAuthority } from '@quarry/certificates';
import { createPostgresSessionPool, type PostgresSessionPool } from '@quarry/connectors';
import { newId } from '@quarry/db';
import {
  auditEvents,
  connectionCredentialsContext,
  connections,
  projectConnections,
  runChunks,
  runs,
  workspaceMembers,
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
import { readNextChunks } from '@quarry/results';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { and, asc, eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ConnectorCache, createConnectorCache } from '../connector-cache';
import { executeRun, type RunnerDeps } from '../execute-run';

// Attacks on today's kept connectors (0895257): the runner keeps the connector it unwrapped for a
// connection's run and serves it to that connection's next runs. Everything an Admin, or a database
// row, changes between two runs must take effect on the very next run, with the runner wired as
// production wires it (kept warehouse sessions and kept connectors together). Every log line the
// runner writes is handed to the leak scan, which fails the file if the warehouse password appears.

let database: TestDatabase;
let warehouse: TestWarehouse;
let other: TestWarehouse;
let a: WorkspaceFixture;
let vault: Vault;
let sessions: PostgresSessionPool;
let connectors: ConnectorCache;
let deps: RunnerDeps;
let original: typeof connections.$inferSelect;

beforeAll(async () => {
  database = await createTestDatabase();
  [warehouse, other] = await Promise.all([
    createTestWarehouse({ orders: 3 }),
    createTestWarehouse({ orders: 3 }),
  ]);
  const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
  if (!loaded.ok) throw new Error(loaded.error.message);
  vault = watchVault(loaded.value);
  registerSecret(warehouse.reader.password, 'warehouse password');
  a = await createWorkspaceFixture(database.db, { vault, warehouse: warehouse.reader });
  const [row] = await database.db.select().from(connections).where(eq(connections.id, a.connectionId));
  if (!row) throw new Error('no connection');
  original = row;
  sessions = createPostgresSessionPool({ idleMs: 60_000, maxIdlePerKey: 4, maxIdle: 16 });
  connectors = createConnectorCache({ idleMs: 60_000, max: 16 });
  deps = {
    db: database.db,
    sql: database.sql,
    vault,
    // Every line, at every level, goes to the leak scan.
    log: pino({ level: 'trace' }, observingLogStream('runner')),
    now: () => new Date(),
    allowPrivateHosts: LOOPBACK_ALLOW_LIST,
    sessions,
    connectors,
  };
}, 120_000);

afterAll(async () => {
  connectors?.close();
  await sessions?.close();
  await other?.drop();
  await warehouse?.drop();
  await database?.drop();
});

/** The connection row back as the fixture made it (every test starts from it). */
async function restore() {
  const { id: _id, createdAt: _c, updatedAt: _u, ...rest } = original;
  await database.db.update(connections).set(rest).where(eq(connections.id, a.connectionId));
}
beforeEach(restore);

type Role = keyof WorkspaceFixture['users'];

/** Queues a run of `source` by `role` in workspace `ws` and runs it to its end. */
async function run(source: string, role: Role = 'admin', ws: WorkspaceFixture = a) {
  const id = newId('run');
  await database.db.insert(runs).values({
    id,
    workspaceId: ws.workspaceId,
    projectId: ws.projectId,
    cellId: ws.cellId,
    ownerId: ws.users[role].id,
    connectionId: ws.connectionId,
    source,
    rowLimit: 10,
  });
  await executeRun(deps, { runId: id, workspaceId: ws.workspaceId }, new AbortController().signal);
  const [row] = await database.db.select().from(runs).where(eq(runs.id, id));
  // What a reader of the run would see, scanned for the password too.
  observe(JSON.stringify(row?.error ?? null), 'run error');
  const error = row?.error as { code?: string; message?: string } | null;
  return { id, status: row?.status, code: error?.code, message: error?.message };
}

/** The text of the run's rows, as a reader would open them. */
async function rowsText(runId: string, ws: WorkspaceFixture = a): Promise<string> {
  const chunks = await readNextChunks(database.db, vault, {
    workspaceId: ws.workspaceId,
    runId,
    fromSeq: 0,
    now: new Date(),
    max: 10,
  });
  return chunks
    .map((chunk) => chunk.open())
    .map((body) => (body.kind === 'rows' ? body.text : ''))
    .join('');
}

const chunkCount = async (runId: string) =>
  (await database.db.select().from(runChunks).where(eq(runChunks.runId, runId))).length;

/** The credential unwraps audited for `connectionId` in workspace `ws`, oldest first. */
const unwraps = (ws: WorkspaceFixture = a, connectionId = ws.connectionId) =>
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

const setConnection = (set: Partial<typeof connections.$inferInsert>, id = a.connectionId) =>
  database.db.update(connections).set(set).where(eq(connections.id, id));

const sealPassword = (password: string, workspaceId: string, connectionId: string) =>
  vault.seal(JSON.stringify({ password }), connectionCredentialsContext(workspaceId, connectionId));

/** Runs once so a connector is kept, and proves it is: a second run unwraps nothing. */
async function warm(role: Role = 'admin') {
  expect((await run('select 1 as warm', role)).status).toBe('succeeded');
  const before = (await unwraps()).length;
  expect((await run('select 2 as warm', role)).status).toBe('succeeded');
  expect((await unwraps()).length).toBe(before);
  expect(connectors.size()).toBeGreaterThan(0);
}

describe('1. a changed record takes effect on the very next run, though a connector is kept', () => {
  it('a re-saved wrong password fails the next run as auth_failed, and the right one signs in again', async () => {
    await warm();
    await setConnection({
      credentials: sealPassword(`wrong ${randomUUID()}`, a.workspaceId, a.connectionId),
    });
    const before = (await unwraps()).length;
    expect(await run('select 1')).toMatchObject({ status: 'failed', code: 'connector.auth_failed' });
    // The new record was unwrapped (and audited) for that run.
    expect((await unwraps()).slice(before)).toEqual([{ outcome: 'success', details: expect.any(Object) }]);
    await restore();
    expect((await run('select 1')).status).toBe('succeeded');
  });

  it('a changed port fails the next run as unreachable; a changed database answers from the new database at once', async () => {
    await warm();
    await setConnection({ settings: { ...original.settings, port: 1 } });
    expect(await run('select 1')).toMatchObject({ status: 'failed', code: 'connector.unreachable' });
    await restore();

    const here = await run('select current_database() as db');
    expect(await rowsText(here.id)).toContain(warehouse.reader.database);
    await setConnection({ settings: { ...original.settings, database: other.reader.database } });
    const there = await run('select current_database() as db');
    expect(there.status).toBe('succeeded');
    const text = await rowsText(there.id);
    expect(text).toContain(other.reader.database);
    expect(text).not.toContain(warehouse.reader.database);

    await setConnection({ settings: { ...original.settings, database: 'no_such_database_attacks13' } });
    expect(await run('select 1')).toMatchObject({ status: 'failed', code: 'connector.database_not_found' });
    await restore();
    expect(await rowsText((await run('select current_database() as db')).id)).toContain(
      warehouse.reader.database,
    );
  });

  it('a changed TLS setting (a CA that did not sign the server) fails the next run; the old CA works again', async () => {
    await warm();
    // A well-formed certificate of a CA that never signed the test server: the server's own CA
    // certificate is replaced by the certificate of an unrelated, freshly made CA.
    const { caCertificate } = original.settings as { caCertificate: string };
    const unrelated = (await createCertificateAuthority('attacks13 unrelated CA')).certificate;
    expect(unrelated).not.toBe(caCertificate);
    await setConnection({ settings: { ...original.settings, caCertificate: unrelated } });
    const refused = await run('select 1');
    expect(refused.status).toBe('failed');
    expect(refused.code).toMatch(/^connector\.tls_/);
    await restore();
    expect((await run('select 1')).status).toBe('succeeded');
  });

  it('a connection switched to draft, then deleted, refuses the next run with nothing written', async () => {
    await warm();
    await setConnection({ status: 'draft' });
    const draft = await run('select 1');
    expect(draft).toMatchObject({ status: 'failed', code: 'connections.draft' });
    expect(await chunkCount(draft.id)).toBe(0);
    await restore();
    expect((await run('select 1')).status).toBe('succeeded');

    // Deleted (its project import goes with it, as the API deletes it): nothing to connect to.
    await database.db.delete(connections).where(eq(connections.id, a.connectionId));
    try {
      const gone = await run('select 1');
      expect(gone.status).toBe('failed');
      expect(['run.connection_deleted', 'run.connection_not_in_project']).toContain(gone.code);
      expect(await chunkCount(gone.id)).toBe(0);
    } finally {
      await database.db.insert(connections).values(original);
      await database.db
        .insert(projectConnections)
        .values({ projectId: a.projectId, connectionId: a.connectionId, workspaceId: a.workspaceId })
        .onConflictDoNothing();
    }
    expect((await run('select 1')).status).toBe('succeeded');
  });
});

describe('2. authorization is decided for every run, whatever connector is kept', () => {
  it('Can query (Can view results kept), then both, revoked from the owner between two runs refuse the next run', async () => {
    await warm('editor');
    await setConnection({ canQuery: ['grp_nobody'] });
    const noQuery = await run('select 1 as secret_value', 'editor');
    expect(noQuery.status).toBe('failed');
    expect(noQuery.code).toMatch(/^access\./);
    expect(await chunkCount(noQuery.id)).toBe(0);
    await restore();
    expect((await run('select 1', 'editor')).status).toBe('succeeded');

    // Can query brings Can view results: both go for the owner to lose sight of the results.
    await setConnection({ canViewResults: ['grp_nobody'], canQuery: ['grp_nobody'] });
    const noView = await run('select 1 as secret_value', 'editor');
    expect(noView.status).toBe('failed');
    expect(noView.code).toMatch(/^access\./);
    expect(await chunkCount(noView.id)).toBe(0);
    await restore();
    expect((await run('select 1', 'editor')).status).toBe('succeeded');
  });

  it('the connection dropped from the project, or the owner removed from the workspace, refuses the next run', async () => {
    await warm('editor');
    await database.db.delete(projectConnections).where(eq(projectConnections.connectionId, a.connectionId));
    try {
      const unimported = await run('select 1', 'admin');
      expect(unimported).toMatchObject({ status: 'failed', code: 'run.connection_not_in_project' });
      expect(await chunkCount(unimported.id)).toBe(0);
    } finally {
      await database.db
        .insert(projectConnections)
        .values({ projectId: a.projectId, connectionId: a.connectionId, workspaceId: a.workspaceId });
    }
    // The Editor, removed from the workspace between two of their runs.
    const member = a.users.editor.id;
    expect((await run('select 1', 'editor')).status).toBe('succeeded');
    const [membership] = await database.db
      .select()
      .from(workspaceMembers)
      .where(eq(workspaceMembers.userId, member));
    if (!membership) throw new Error('no membership');
    await database.db.delete(workspaceMembers).where(eq(workspaceMembers.userId, member));
    try {
      const removed = await run('select 1', 'editor');
      expect(removed).toMatchObject({ status: 'failed', code: 'access.not_a_member' });
      expect(await chunkCount(removed.id)).toBe(0);
    } finally {
      await database.db.insert(workspaceMembers).values(membership);
    }
  });
});

describe('3. many runs at once against the kept connector', () => {
  it('8 parallel runs on a cold cache all succeed; after a wrong password is saved, 8 parallel runs all fail to sign in', async () => {
    connectors.close();
    const good = await Promise.all(Array.from({ length: 8 }, (_, i) => run(`select ${i} as n`)));
    expect(good.map((r) => r.status)).toEqual(Array(8).fill('succeeded'));
    await setConnection({
      credentials: sealPassword(`wrong ${randomUUID()}`, a.workspaceId, a.connectionId),
    });
    const bad = await Promise.all(Array.from({ length: 8 }, (_, i) => run(`select ${i} as n`)));
    expect(bad.map((r) => r.code)).toEqual(Array(8).fill('connector.auth_failed'));
    await restore();
    const again = await Promise.all(Array.from({ length: 4 }, (_, i) => run(`select ${i} as n`)));
    expect(again.map((r) => r.status)).toEqual(Array(4).fill('succeeded'));
  });
});
