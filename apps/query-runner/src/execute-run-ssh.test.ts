import { randomUUID } from 'node:crypto';
import { TUNNEL_OPEN_TIMEOUT_MS } from '@quarry/connectors';
import { generateKey, sshdAvailable, startSshd, type TestSshd } from '@quarry/connectors/testing/sshd';
import { newId } from '@quarry/db';
import { connectionCredentialsContext, connections, projectConnections, runs } from '@quarry/db/schema';
import {
  createTestDatabase,
  createTestWarehouse,
  createWorkspaceFixture,
  type TestDatabase,
  type TestWarehouse,
  type WorkspaceFixture,
} from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST } from '@quarry/net-policy';
import { generateMasterKey, loadVaultFromEnv, type Vault } from '@quarry/vault';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRun, NON_ADMIN_CONNECT_FLOOR_MS, type RunnerDeps } from './execute-run';

/** MariaDB on the machine (MYSQL_URL), reached through the test sshd on loopback. */
const mysqlUrl = process.env.MYSQL_URL ? new URL(process.env.MYSQL_URL) : null;
if (!mysqlUrl && process.env.CI === 'true') throw new Error('MYSQL_URL is required under CI');

let database: TestDatabase;
let warehouse: TestWarehouse;
let fixture: WorkspaceFixture;
let vault: Vault;
let deps: RunnerDeps;
let sshd: TestSshd;

async function sessionsSettleAt(expected: number): Promise<number> {
  const until = Date.now() + 5_000;
  while (sshd.sessions() !== expected && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return sshd.sessions();
}

/** A MySQL connection of the fixture's workspace through the test sshd, imported by its project. */
async function tunneledConnection(sshHostKey: string | null, targetPort?: number) {
  const id = newId('connection');
  await database.db.insert(connections).values({
    id,
    workspaceId: fixture.workspaceId,
    name: `ssh ${randomUUID().slice(0, 8)}`,
    kind: 'mysql',
    settings: {
      host: mysqlUrl?.hostname ?? '127.0.0.1',
      port: targetPort ?? Number(mysqlUrl?.port || 3306),
      database: mysqlUrl?.pathname.slice(1) || 'test',
      username: decodeURIComponent(mysqlUrl?.username || 'root'),
      sslMode: 'disable',
      sshHost: sshd.host,
      sshPort: sshd.port,
      sshUsername: sshd.username,
    },
    credentials: vault.seal(
      JSON.stringify({ sshPrivateKey: sshd.key.privateKey }),
      connectionCredentialsContext(fixture.workspaceId, id),
    ),
    storedSecrets: ['sshPrivateKey'],
    createdBy: fixture.users.admin.id,
    sshHostKey,
  });
  await database.db
    .insert(projectConnections)
    .values({ workspaceId: fixture.workspaceId, projectId: fixture.projectId, connectionId: id });
  return id;
}

async function run(connectionId: string, source: string, owner: 'admin' | 'editor' = 'admin') {
  const id = newId('run');
  await database.db.insert(runs).values({
    id,
    workspaceId: fixture.workspaceId,
    projectId: fixture.projectId,
    cellId: fixture.cellId,
    ownerId: fixture.users[owner].id,
    connectionId,
    source,
    rowLimit: 100,
  });
  await executeRun(deps, { runId: id, workspaceId: fixture.workspaceId }, new AbortController().signal);
  return (await database.db.select().from(runs).where(eq(runs.id, id)))[0];
}

describe.skipIf(!sshdAvailable(process.env.CI === 'true') || !mysqlUrl)('a run through an SSH tunnel', () => {
  beforeAll(async () => {
    database = await createTestDatabase();
    warehouse = await createTestWarehouse({ orders: 1 });
    const loaded = loadVaultFromEnv({ QUARRY_MASTER_KEY: generateMasterKey() });
    if (!loaded.ok) throw new Error(loaded.error.message);
    vault = loaded.value;
    fixture = await createWorkspaceFixture(database.db, { vault, warehouse: warehouse.reader });
    deps = {
      db: database.db,
      sql: database.sql,
      vault,
      log: pino({ level: 'silent' }),
      now: () => new Date(),
      allowPrivateHosts: LOOPBACK_ALLOW_LIST,
    };
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
    await warehouse?.drop();
    await database?.drop();
  });

  it('reads its rows through the pinned server and leaves no SSH session open', async () => {
    const connectionId = await tunneledConnection(sshd.hostKey);
    const row = await run(connectionId, 'select 40 + 2 as answer');
    expect(row).toMatchObject({ status: 'succeeded', rowCount: 1 });
    expect(await sessionsSettleAt(0)).toBe(0);
  });

  it('is refused before any SSH connection while the host key is not pinned', async () => {
    const connectionId = await tunneledConnection(null);
    const before = sshd.log().length;
    const row = await run(connectionId, 'select 1');
    expect(row).toMatchObject({
      status: 'failed',
      error: { code: 'ssh.host_key_not_pinned', hint: expect.stringContaining('Test the connection to pin') },
    });
    expect(sshd.log().slice(before)).not.toMatch(/Connection from/);
  });

  it('is refused when the server presents another key than the one pinned', async () => {
    const pinned = generateKey(sshd.dir).fingerprint;
    const connectionId = await tunneledConnection(pinned);
    const row = await run(connectionId, 'select 1');
    expect(row?.status).toBe('failed');
    expect(row?.error).toMatchObject({ code: 'ssh.host_key_changed' });
    expect(JSON.stringify(row?.error)).toContain(pinned);
    expect(await sessionsSettleAt(0)).toBe(0);
  });

  it('tells an Admin the SSH server could not reach the database, and anyone else only that it failed, past the floor and the tunnel (CONN-3)', async () => {
    const connectionId = await tunneledConnection(sshd.hostKey, 1);
    const asAdmin = await run(connectionId, 'select 1', 'admin');
    expect(asAdmin?.error).toMatchObject({ code: 'ssh.target_unreachable' });
    const started = performance.now();
    const asEditor = await run(connectionId, 'select 1', 'editor');
    expect(performance.now() - started).toBeGreaterThanOrEqual(
      NON_ADMIN_CONNECT_FLOOR_MS + TUNNEL_OPEN_TIMEOUT_MS - 50,
    );
    expect(asEditor?.error).toMatchObject({ code: 'connector.connect_failed' });
    expect(await sessionsSettleAt(0)).toBe(0);
  }, 60_000);
});
